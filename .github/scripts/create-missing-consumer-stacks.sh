#!/usr/bin/env bash
# Usage: create-missing-consumer-stacks.sh STACK…   (the consumers of npm run -s stacks -- --json)
# Creates (empty) each named consumer stack that the backend does not hold yet, with a
# notice: the owner reads every consumer it lists, and a StackReference to a stack that does not
# exist fails (pulumi/pulumi#19202). An empty stack has no outputs, which the owner reads as "not
# deployed yet". Needs the Pulumi CLI logged in; STACK_ORG names the organization.
set -euo pipefail
existing=$(pulumi stack ls --json | node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(s.name.split("/").pop())')
for stack in "$@"; do
  if ! grep -qxF "$stack" <<<"$existing"; then
    pulumi stack init "${STACK_ORG:-organization}/$stack" --non-interactive
    echo "::notice title=new consumer stack::Created the empty stack $stack so the owner can read it; the consumers' deploy fills it."
  fi
done
