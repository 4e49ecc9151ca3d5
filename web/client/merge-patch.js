// JSON Merge Patch (RFC 7396).
//
// applyMergePatch never mutates its arguments: it returns a new document that
// shares every untouched subtree with `target`, so a caller may keep the
// previous document and compare (the dashboard highlights what changed).

const hasOwn = Object.prototype.hasOwnProperty;

export function isPlainObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Sets `key` as an own data property even when it is "__proto__", which a
// plain assignment would treat as the prototype setter.
function defineValue(obj, key, value) {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Applies `patch` to `target` as RFC 7396 describes.
 * @param {unknown} target the current document (undefined when there is none)
 * @param {unknown} patch a merge patch: an object merges, anything else replaces
 * @returns {unknown} the patched document
 */
export function applyMergePatch(target, patch) {
  if (!isPlainObject(patch)) return patch;
  const base = isPlainObject(target) ? target : {};
  const out = { ...base };
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete out[key];
    } else {
      const current = hasOwn.call(base, key) ? base[key] : undefined;
      defineValue(out, key, applyMergePatch(current, value));
    }
  }
  return out;
}
