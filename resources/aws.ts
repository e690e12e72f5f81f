/**
 * The @pulumi/aws services this program uses, each from its own module. The package root re-exports
 * all of its 250-odd services, so importing it would bring every service's declarations (2,300 more
 * files) into the type check and the typed lint; the services themselves are the same classes either
 * way. A service the program starts to use is added here (ESLint refuses imports of the package root);
 * a new resource type also needs its IAM actions in pipeline/resource-permissions.ts (a spec says so).
 */
export * as accessanalyzer from "@pulumi/aws/accessanalyzer";
export * as athena from "@pulumi/aws/athena";
export * as ec2 from "@pulumi/aws/ec2";
export * as glue from "@pulumi/aws/glue";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as s3 from "@pulumi/aws/s3";
export { Provider } from "@pulumi/aws/provider";
