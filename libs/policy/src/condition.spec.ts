import { allowIf, input, type InputOverrides } from './testing/policy-fixtures.js';

const get = { request: { verb: 'get' } };
const del = { request: { verb: 'delete' } };
const secret = { request: { resource: 'secrets' } };
const deleteSecret = { request: { verb: 'delete', resource: 'secrets' } };

// Each row: a condition, inputs it allows, inputs it denies.
const cases: [name: string, condition: string, allows: InputOverrides[], denies: InputOverrides[]][] = [
  [
    'keys of one mapping all hold (implicit and)',
    'verb: delete\nresource: secrets',
    [deleteSecret],
    [del, secret],
  ],
  ['and', 'and:\n  - verb: delete\n  - resource: secrets', [deleteSecret], [del, secret]],
  ['or', 'or:\n  - verb: delete\n  - resource: secrets', [del, secret, deleteSecret], [get]],
  ['not', 'not: { verb: delete }', [get, secret], [del, deleteSecret]],
  ['nor', 'nor:\n  - verb: delete\n  - resource: secrets', [get], [del, secret, deleteSecret]],
  [
    'nested: (delete or patch) and not secrets',
    'or: [{ verb: delete }, { verb: patch }]\nnot: { resource: secrets }',
    [del, { request: { verb: 'patch' } }],
    [deleteSecret, get],
  ],
  [
    'not of and',
    'not: { and: [{ verb: delete }, { resource: secrets }] }',
    [del, secret, get],
    [deleteSecret],
  ],
  [
    'or inside and inside nor',
    'nor:\n  - and:\n      - or: [{ verb: get }, { verb: list }]\n      - resource: secrets',
    [del, { request: { verb: 'get', resource: 'pods' } }],
    [{ request: { verb: 'get', resource: 'secrets' } }, { request: { verb: 'list', resource: 'secrets' } }],
  ],
  [
    'criteria beside combinators',
    'groups: developers\nnot: { namespace: kube-system }',
    [{ user: { groups: ['developers'] } }],
    [{ user: { groups: ['ops'] } }, { request: { namespace: 'kube-system' } }],
  ],
];

describe('conditions', () => {
  it.each(cases)('%s', (_name, condition, allows, denies) => {
    const policy = allowIf(condition);
    for (const overrides of allows) expect(policy.evaluate(input(overrides)).allowed).toBe(true);
    for (const overrides of denies) expect(policy.evaluate(input(overrides)).allowed).toBe(false);
  });
});
