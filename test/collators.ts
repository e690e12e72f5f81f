/**
 * The IAM evaluator compares condition operators and ARN parts with
 * `a.localeCompare(b, undefined, options)`, and V8 builds a new ICU collator for every such call
 * (a few microseconds each, a quarter of an evaluation). ECMA-402 defines that call as
 * `new Intl.Collator(locales, options).compare(a, b)`, so reusing one collator per locales and
 * options gives the same answers. Imported by the policy world, for the test process only.
 */
const original = String.prototype.localeCompare;
const collators = new Map<string, Intl.Collator>();

function localeCompare(this: string, that: string, locales?: string | string[], options?: Intl.CollatorOptions): number {
    if (locales === undefined && options === undefined) {
        return original.call(this, that);
    }
    const key = JSON.stringify([locales, options]);
    const collator = collators.get(key) ?? new Intl.Collator(locales, options);
    collators.set(key, collator);
    return collator.compare(String(this), String(that));
}

String.prototype.localeCompare = localeCompare;
