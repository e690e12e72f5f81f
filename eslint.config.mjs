import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

/** The package root declares every AWS service: the type check and the typed lint would read them all. */
const AWS_ROOT = { name: "@pulumi/aws", message: "import the service from resources/aws.ts, which names each service's own module" };

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "eslint.config.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parser: tseslint.parser,
            parserOptions: { project: "./tsconfig.lint.json", tsconfigRootDir: import.meta.dirname, jsDocParsingMode: "none" },
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
        files: ["**/*.ts"],
        rules: { "no-restricted-imports": ["error", { paths: [AWS_ROOT] }] },
    },
    {
        // The IAM simulator is AGPL-licensed: tests may use it, nothing that ships may import it.
        files: ["**/*.ts"],
        ignores: ["test/**"],
        rules: {
            "no-restricted-imports": ["error", { paths: [AWS_ROOT], patterns: [{ group: ["@cloud-copilot/*"], message: "AGPL: test-only dependency" }] }],
        },
    },
);
