/** Loaded by mocha after ts-node: see offline/fast-stacks.ts. */
import { skipPulumiPromiseStacks } from "../offline/fast-stacks";

skipPulumiPromiseStacks();
