import * as pulumi from "@pulumi/pulumi";
import { namespaceConfig } from "./config/reader";
import { StackIdentity } from "./config/stack-names";
import { resolveStackRole } from "./config/stack-role";
import { consumerProgram } from "./stacks/consumer";
import { ownerProgram } from "./stacks/owner";

/**
 * One project, one stack per AWS account. The stack's `role` (or its name: `owner…`, `consumer…`)
 * picks the program; each program returns the stack's outputs.
 */
export = async () => {
    const project = pulumi.getProject();
    const identity: StackIdentity = { namespace: project, project, organization: pulumi.getOrganization(), stack: pulumi.getStack() };
    const config = namespaceConfig(pulumi.runtime.allConfig(), identity.namespace);
    const role = resolveStackRole(config.role, identity.stack, identity.namespace);
    return role === "owner" ? ownerProgram(identity, config) : consumerProgram(identity, config);
};
