import * as pulumi from "@pulumi/pulumi";
import { Outputs } from "../stacks/contract";

/**
 * The named outputs of another stack as plain values, so they can be checked before any resource
 * is created. A stack that was never deployed answers with no outputs.
 */
export async function readStackOutputs(stackName: string, names: readonly string[]): Promise<Outputs> {
    const reference = new pulumi.StackReference(stackName);
    const details = await Promise.all(names.map((name) => reference.getOutputDetails(name)));
    return Object.fromEntries(names.map((name, i) => [name, details[i].value ?? details[i].secretValue]));
}
