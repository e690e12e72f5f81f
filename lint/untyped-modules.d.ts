/**
 * The lint program's stand-ins for packages with large declarations and no Pulumi types: each is a
 * module whose every export is untyped (`any`). tsconfig.lint.json says why that loses nothing; the
 * type check (tsconfig.json, which leaves this folder out) reads the real declarations.
 */
declare module "@aws-sdk/client-accessanalyzer";
declare module "@aws-sdk/client-athena";
declare module "@aws-sdk/client-ec2";
declare module "@aws-sdk/client-iam";
declare module "@aws-sdk/client-kms";
declare module "@aws-sdk/client-organizations";
declare module "@aws-sdk/client-s3";
declare module "@aws-sdk/client-ssm";
declare module "@aws-sdk/client-sts";
declare module "puppeteer-core";
