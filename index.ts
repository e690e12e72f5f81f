import * as pulumi from "@pulumi/pulumi";
import { configOutside, namespaceConfig } from "./config/reader";
import { consumerProgram } from "./stacks/consumer";
import { ownerProgram } from "./stacks/owner";
import { resolveStackRole, StackIdentity } from "./domain/stack-identity";

/**
 * One project, one stack per AWS account. The stack's `role` (or its name: `owner…`, `consumer…`)
 * picks the program; each program returns the stack's outputs.
 */
export = async () => {
    const project = pulumi.getProject();
    const identity: StackIdentity = { project, organization: pulumi.getOrganization(), stack: pulumi.getStack() };
    const all = pulumi.runtime.allConfig();
    const config = namespaceConfig(all, identity.project);
    const elsewhere = configOutside(all, identity.project);
    const role = resolveStackRole(config.role, identity.stack, identity.project);
    return role === "owner" ? ownerProgram(identity, config, elsewhere) : consumerProgram(identity, config, elsewhere);
};
