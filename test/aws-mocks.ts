/**
 * The AWS SDK clients of verify, mocked once for every spec (aws-sdk-client-mock replaces each
 * client class's send; a class can be mocked only once). Specs reset them in their own beforeEach.
 */
import { AccessAnalyzerClient } from "@aws-sdk/client-accessanalyzer";
import { AthenaClient } from "@aws-sdk/client-athena";
import { EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";

export const s3 = mockClient(S3Client);
export const ec2 = mockClient(EC2Client);
export const iam = mockClient(IAMClient);
export const kms = mockClient(KMSClient);
export const analyzer = mockClient(AccessAnalyzerClient);
export const ssm = mockClient(SSMClient);
export const athena = mockClient(AthenaClient);
export const sts = mockClient(STSClient);

/** Every mock, to reset together. */
export const ALL_MOCKS = [s3, ec2, iam, kms, analyzer, ssm, athena, sts];
