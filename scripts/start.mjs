// `npm start` will run the embedded stack (broker, dev IdP, two simulated clusters with agents,
// local audit). Until those pieces land it says plainly what exists and what does not.
const ready = [
  'API server simulator (libs/testing): `npx tsx --conditions=source libs/testing/src/apiserver/main.ts --help`',
  'pinned kubectl and helm in .tools/bin',
  'a real Kafka broker for tests: `npm run kafka:start` / `npm run kafka:stop`',
];
const missing = [
  'broker kube proxy and agent',
  'sign-in and the tether CLI',
  'policy',
  'audit pipeline',
  'enrollment',
];

console.log('Tether embedded stack: not runnable yet.\n');
console.log('Available now:');
for (const line of ready) console.log(`  - ${line}`);
console.log('\nNot built yet (see the open issues):');
for (const line of missing) console.log(`  - ${line}`);
process.exitCode = 1;
