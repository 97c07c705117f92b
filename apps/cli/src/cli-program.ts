import { Command, CommanderError, Option } from 'commander';
import { collectList } from './audit/audit-filters.js';
import type { CommandContext } from './commands/command-context.js';
import { exitCodes } from './errors/cli-error.js';
import { reportError } from './errors/error-report.js';

const exitCodeHelp = `
Exit codes:
  0  success
  1  error (see the message)
  2  usage error
  3  not signed in, or the session expired: run tether login
  4  the broker (or the auditor it names) cannot be reached
  5  tether policy explain: the request would be denied
  6  signed in but not allowed: tether audit without an audit reader group

Files: $TETHER_CONFIG_DIR, else $XDG_CONFIG_HOME/tether, else ~/.config/tether
(config.json, tokens/ — private to you). kubeconfig: --kubeconfig, else $KUBECONFIG, else ~/.kube/config.`;

const brokerOption = () =>
  new Option('--broker <url>', 'broker URL (default: the one you last signed in to)');
const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['table', 'json']);

const auditHelp = `
Filters may be repeated or comma-separated (--user alice,bob --user carol) and combine with AND;
values of one filter with OR. Relative times count back from now, largest unit first.

Examples:
  tether audit search --since 2h --cluster prod-eu-1 --user alice@example.com
  tether audit search --decision deny,reject --since 1d --limit 200
  tether audit search -n payments --resource secrets --verb get,list --since 7d -o jsonl | jq .user
  tether audit search --code 403 --since 2026-12-07T06:00:00Z --until 2026-12-07T07:00:00Z --all -o json
  tether audit search -q /exec --since 30m
  tether audit tail --cluster prod-eu-1 --decision deny
  tether audit tail -o jsonl >> audit.jsonl

Table: TIME (local), CLUSTER, USER, VERB, RESOURCE (namespace/resource/name/subresource, or the
path), DECISION (allow: policy allowed; deny: policy denied; reject: refused before or besides the
policy), CODE (HTTP status), then the rule that allowed it, active JIT requests (jit:<id prefix>) and
the reason for a refusal. -o json and jsonl print the audit.k8s.io/v1 events as stored.

Only members of the audit reader groups may read the log (exit 6 otherwise); every read is itself
audited. tail reconnects by itself when the connection drops and tells you which gap to search.
${exitCodeHelp}`;

/** Every filter of the audit API, for both audit subcommands. */
function addAuditFilters(command: Command): Command {
  return command
    .option('--cluster <names>', 'cluster(s)', collectList)
    .option('--user <names>', 'user name(s) of the person, as the broker saw them', collectList)
    .option('--group <names>', "group(s) among the person's groups", collectList)
    .option('--verb <verbs>', 'Kubernetes verb(s): get, list, watch, create, delete, ...', collectList)
    .option('--resource <resources>', 'resource(s), e.g. pods, secrets', collectList)
    .option('-n, --namespace <namespaces>', 'namespace(s)', collectList)
    .option('--name <names>', 'object name(s)', collectList)
    .option('--decision <decisions>', 'allow, deny or reject', collectList)
    .option('--code <codes>', 'HTTP status code(s) of the answer, e.g. 403', collectList)
    .option('-q, --text <text>', 'substring of the request URI (case-insensitive)');
}

/**
 * The `tether` command tree. Each action loads its command module only when it runs, so
 * `kube credential` (run by kubectl on every call) does not pay for the others.
 */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('tether')
    .description('Sign in to a Tether broker and use its Kubernetes clusters with plain kubectl.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', exitCodeHelp)
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .exitOverride();

  program
    .command('login')
    .description('sign in (browser by default) and remember the broker')
    .addOption(brokerOption())
    .option('--broker-ca <file>', "PEM file of the broker's private CA (remembered)")
    .option('--device', 'sign in with a code on another device (no local browser needed)')
    .option('--dev-user <name>', 'dev brokers only: sign in as a dev IdP demo user without a browser')
    .action(async (options) => (await import('./commands/login.command.js')).loginCommand(ctx, options));

  program
    .command('logout')
    .description('revoke the session at the broker and delete its tokens here')
    .addOption(brokerOption())
    .action(async (options) => (await import('./commands/logout.command.js')).logoutCommand(ctx, options));

  program
    .command('whoami')
    .description('show your user, groups and when the sign-in expires')
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (options) => (await import('./commands/whoami.command.js')).whoamiCommand(ctx, options));

  const kube = program
    .command('kube')
    .description('Kubernetes clusters behind the broker')
    .addHelpText('after', exitCodeHelp);

  kube
    .command('ls')
    .description('list clusters: agent online/offline and what you may do there')
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (options) => (await import('./commands/kube-ls.command.js')).kubeLsCommand(ctx, options));

  kube
    .command('login')
    .description('write a kubectl context per cluster (named after the cluster) into your kubeconfig')
    .argument('[cluster]', 'the cluster (see tether kube ls)')
    .option('--all', 'every cluster you can see')
    .option('--kubeconfig <path>', 'kubeconfig file to write (default: as kubectl chooses)')
    .addOption(brokerOption())
    .action(async (cluster: string | undefined, options) =>
      (await import('./commands/kube-login.command.js')).kubeLoginCommand(ctx, cluster, options),
    );

  kube
    .command('credential')
    .description('kubectl exec credential plugin: prints an ExecCredential for the cluster')
    .argument('<cluster>', 'the cluster kubectl is calling')
    .addOption(brokerOption())
    .action(async (cluster: string, options) =>
      (await import('./commands/kube-credential.command.js')).kubeCredentialCommand(ctx, cluster, options),
    );

  const access = program
    .command('access')
    .description('just-in-time access: request a role on a cluster for a while, approve, deny, revoke')
    .addHelpText(
      'after',
      `
Roles are defined in the broker's policy (which groups they add on which clusters, who approves, for
how long at most). An approved request adds the role's groups to your kubectl requests on that cluster
until it expires or is revoked; no new login is needed. Break-glass roles that allow self-approval are
approved at once, and need a --reason.
${exitCodeHelp}`,
    );

  access
    .command('request')
    .description('ask for a role on a cluster (approved at once when the role allows self-approval)')
    .argument('<cluster>', 'the cluster (see tether kube ls)')
    .requiredOption('--role <name>', "the role, as named in the broker's policy")
    .requiredOption('--for <duration>', 'how long, e.g. 30m, 1h, 1h30m or 90s (at most the role allows)')
    .option('--reason <text>', 'why you need it (required by some roles, always for break-glass)')
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (cluster: string, options) =>
      (await import('./commands/access-request.command.js')).accessRequestCommand(ctx, cluster, options),
    );

  access
    .command('ls')
    .description('list your requests and the pending or active ones you may decide on')
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (options) =>
      (await import('./commands/access-ls.command.js')).accessLsCommand(ctx, options),
    );

  const decisions = [
    ['approve', "approve someone's pending request (you must be one of the role's approvers)"],
    ['deny', 'deny a pending request'],
    ['revoke', 'end a pending or approved request now (your own, or one you may approve)'],
  ] as const;
  for (const [action, description] of decisions) {
    access
      .command(action)
      .description(description)
      .argument('[id]', 'the request id (see tether access ls)')
      .option('--requester <user>', "instead of an id: that person's one open request you may decide")
      .addOption(brokerOption())
      .addOption(outputOption())
      .action(async (id: string | undefined, options) =>
        (await import('./commands/access-decide.command.js')).accessDecideCommand(ctx, action, id, options),
      );
  }

  const cluster = program
    .command('cluster')
    .description("enroll clusters (members of the broker's admin groups): add, ls, rm, rotate")
    .addHelpText(
      'after',
      `
\`cluster add\` prints a join token that works once (default: for an hour) and the helm install line
that gives it to the cluster's agent; the agent exchanges it for its own credential, which it rotates
itself. \`cluster rotate\` issues a new join token (a lost or expired one, or an agent that lost its
credential); add --revoke-credentials when the current credential may have leaked.
${exitCodeHelp}`,
    );

  cluster
    .command('add')
    .description('add a cluster: prints its one-time join token and the helm install line for its agent')
    .argument('<name>', 'the cluster name, a DNS label (e.g. prod-eu-1); kubectl contexts get this name')
    .option(
      '--labels <list>',
      'comma-separated key=value labels, e.g. env=prod,region=eu (policies match them)',
    )
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (name: string, options) =>
      (await import('./commands/cluster-add.command.js')).clusterAddCommand(ctx, name, options),
    );

  cluster
    .command('ls')
    .description("list clusters with their agents' tunnels, join tokens and credential expiry")
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (options) =>
      (await import('./commands/cluster-ls.command.js')).clusterLsCommand(ctx, options),
    );

  cluster
    .command('rm')
    .description('remove a cluster: closes its tunnel now and refuses its agent from then on')
    .argument('<name>', 'the cluster')
    .option('--yes', 'do not ask for confirmation')
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (name: string, options) =>
      (await import('./commands/cluster-rm.command.js')).clusterRmCommand(ctx, name, options),
    );

  cluster
    .command('rotate')
    .description('issue a new join token for the cluster (earlier unused ones stop working)')
    .argument('<name>', 'the cluster')
    .option('--revoke-credentials', "also refuse the agent's current credential at once (closes its tunnel)")
    .addOption(brokerOption())
    .addOption(outputOption())
    .action(async (name: string, options) =>
      (await import('./commands/cluster-rotate.command.js')).clusterRotateCommand(ctx, name, options),
    );

  const audit = program
    .command('audit')
    .description('search and follow the audit log of every cluster (members of the audit reader groups)')
    .addHelpText('after', auditHelp);

  addAuditFilters(
    audit
      .command('search')
      .description('events matching the filters, newest first (default: the newest 50)')
      .option('--since <time>', 'from this time: 30s, 15m, 2h, 7d, 1h30m ago, or RFC 3339')
      .option('--until <time>', 'up to this time, same forms as --since')
      .addHelpText('after', auditHelp),
  )
    .option('--limit <n>', `print at most this many events, following pages (default 50)`)
    .option('--all', 'print every matching event (all pages)')
    .addOption(brokerOption())
    .addOption(
      new Option('-o, --output <format>', 'table, json (one array) or jsonl (one event a line)').choices([
        'table',
        'json',
        'jsonl',
      ]),
    )
    .action(async (options) =>
      (await import('./commands/audit-search.command.js')).auditSearchCommand(ctx, options),
    );

  addAuditFilters(audit.command('tail').description('print matching events as they are stored, until Ctrl-C'))
    .addOption(brokerOption())
    .addOption(
      new Option('-o, --output <format>', 'table or jsonl (one event a line)').choices(['table', 'jsonl']),
    )
    .action(async (options) =>
      (await import('./commands/audit-tail.command.js')).auditTailCommand(ctx, options),
    );

  program
    .command('policy')
    .description('work with access policy files')
    .command('explain')
    .description('decide one request against a policy file, offline, and show which rule decided it')
    .requiredOption('--policy <file>', 'the policy YAML file (e.g. deploy/policy/demo-policy.yaml)')
    .requiredOption('--user <name>', 'the user name the broker would see')
    .option('--email <address>', "the person's email")
    .option('--groups <list>', 'comma-separated identity-provider groups', '')
    .requiredOption('--cluster <name>', 'the cluster')
    .option('--cluster-labels <list>', 'comma-separated key=value labels of the cluster', '')
    .option('--verb <verb>', 'Kubernetes verb: get, list, watch, create, update, patch, delete, ...', 'get')
    .option('--resource <resource>', 'resource, e.g. pods (omit with --path for non-resource requests)')
    .option('--subresource <name>', 'subresource, e.g. exec or log')
    .option('--api-group <group>', 'API group ("" for the core group)', '')
    .option('-n, --namespace <namespace>', 'namespace (omit for cluster-scoped requests)', '')
    .option('--name <name>', 'resource name', '')
    .option('--path <path>', 'request path of a non-resource request, e.g. /version')
    .option('--at <time>', 'evaluate at this RFC 3339 time instead of now (time windows)')
    .addOption(outputOption())
    .action(async (options) =>
      (await import('./commands/policy-explain.command.js')).policyExplainCommand(ctx, options),
    );

  return program;
}

/** Runs the CLI and resolves to its exit code; never throws. */
export async function runCli(ctx: CommandContext, argv: string[]): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help exits 0; a bad option, a missing argument or a bare `tether kube` is a usage error.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    return reportError(error, (s) => ctx.io.err(s), ctx.env.debug);
  }
}
