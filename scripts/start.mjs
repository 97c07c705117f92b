// `npm start` will run the embedded stack (broker, dev IdP, two simulated clusters with agents,
// local audit). Until those pieces land it says plainly what exists and what does not.
const ready = [
  'the kubectl path: broker, tunnel and agent against the API server simulator (test/e2e/kubectl-path)',
  'sign-in at the broker against the embedded dev IdP (test/e2e/sign-in)',
  'API server simulator on its own: `npx tsx --conditions=source libs/testing/src/apiserver/main.ts --help`',
  'pinned kubectl and helm in .tools/bin',
  'a real Kafka broker for tests: `npm run kafka:start` / `npm run kafka:stop`',
];
const missing = [
  'the tether CLI',
  'the central policy engine and JIT access',
  'the audit pipeline',
  'enrollment and charts',
  'this command',
];

console.log('Tether embedded stack: not runnable yet.\n');
console.log('Available now:');
for (const line of ready) console.log(`  - ${line}`);
console.log('\nNot built yet (see the open issues):');
for (const line of missing) console.log(`  - ${line}`);
process.exitCode = 1;
