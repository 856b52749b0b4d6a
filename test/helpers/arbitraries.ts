import fc from 'fast-check';

/** One UTF-16 surrogate on its own, which no UTF-8 document can carry. */
export const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** ASCII around one lone surrogate: ASCII neighbours can never pair with it. */
export function withLoneSurrogate(maxLength: number) {
  return fc
    .tuple(fc.string({ maxLength }), loneSurrogate, fc.string({ maxLength }))
    .map(([before, surrogate, after]) => `${before}${surrogate}${after}`);
}

/** Every JSON type but string, nested at most `maxDepth` deep. */
export function nonString(options: { maxDepth: number; maxLength: number }) {
  const { maxDepth, maxLength } = options;
  return fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.jsonValue({ maxDepth }), { maxLength }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth }), { maxKeys: maxLength }),
  );
}
