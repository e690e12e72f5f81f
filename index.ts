import * as pulumi from "@pulumi/pulumi";
import { configOutside, namespaceConfig } from "./config/reader";
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
    const all = pulumi.runtime.allConfig();
    const config = namespaceConfig(all, identity.namespace);
    const elsewhere = configOutside(all, identity.namespace);
    const role = resolveStackRole(config.role, identity.stack, identity.namespace);
    return role === "owner" ? ownerProgram(identity, config, elsewhere) : consumerProgram(identity, config, elsewhere);
};
