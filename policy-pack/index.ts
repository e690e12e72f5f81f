import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// Constructing a PolicyPack starts serving it to the engine: only the CLI should load this file.
new PolicyPack("cross-account-s3", { policies, enforcementLevel: "mandatory" });
