import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "eslint.config.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parser: tseslint.parser,
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-explicit-any": "error",
            "no-template-curly-in-string": "off",
        },
    },
    {
        // The IAM simulator is AGPL-licensed: tests may use it, nothing that ships may import it.
        files: ["**/*.ts"],
        ignores: ["test/**"],
        rules: {
            "no-restricted-imports": ["error", { patterns: [{ group: ["@cloud-copilot/*"], message: "AGPL: test-only dependency" }] }],
        },
    },
);
