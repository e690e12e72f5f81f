/**
 * The rollout command as `npm run deploy` starts it, on a project folder given as the first
 * argument: the interruption spec runs it as its own process group and sends it a real SIGINT.
 */
import { main } from "../rollout/cli";

main(process.argv.slice(3), process.argv[2]).then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
    },
);
