// Unit: RFC 7396 JSON Merge Patch as the client applies it to state channels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../web/client/tidewire.js';

test('the cases of RFC 7396 appendix A', () => {
  const cases = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) {
    assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify({ target, patch }));
  }
});

test('a patch against no document builds one', () => {
  assert.deepEqual(applyMergePatch(undefined, { a: 1, b: null }), { a: 1 });
});

test('arguments are never mutated and untouched subtrees are shared', () => {
  const target = { positions: { ACME: { qty: 10 }, BOLT: { qty: 5 } }, cash: 1 };
  const frozen = JSON.stringify(target);
  const patch = { positions: { ACME: { qty: 12 }, BOLT: null } };
  const out = applyMergePatch(target, patch);
  assert.equal(JSON.stringify(target), frozen);
  assert.deepEqual(patch, { positions: { ACME: { qty: 12 }, BOLT: null } });
  assert.deepEqual(out, { positions: { ACME: { qty: 12 } }, cash: 1 });
  const again = applyMergePatch(out, { cash: 2 });
  assert.equal(again.positions, out.positions, 'unchanged subtree is the same object');
});

test('a "__proto__" key is data, not a prototype', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}');
  const out = applyMergePatch({}, patch);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal(({}).polluted, undefined);
  assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'x']);
  assert.equal(out.x, 1);
});
