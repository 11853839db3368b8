/**
 * Colour that means something: each mechanism keeps its one colour and
 * symbol in every figure (from the registry's `color` and `symbol`), and a
 * categorical colour scale takes its domain from the API's own constants,
 * lists in its legend only the categories present, and rejects a value
 * that is not in the domain instead of drawing it blank.
 *
 * @module
 */

/** What a series needs to be drawn the same everywhere (a registry {@linkcode Mechanism} has all of it). */
export interface SeriesStyle {
  /** Stable id (rows may carry it instead of the label). Default none. */
  readonly id?: string;
  /** Name in legends. */
  readonly label: string;
  /** CSS colour. */
  readonly color: string;
  /** Observable Plot symbol name. */
  readonly symbol: string;
}

/** The series options of {@linkcode sweepFigure} for a list of styles. */
export interface SeriesStyles {
  /** Colour by id and by label. */
  readonly seriesColors: Readonly<Record<string, string>>;
  /** Symbol by id and by label. */
  readonly seriesSymbols: Readonly<Record<string, string>>;
  /** Label by id (and by label). */
  readonly seriesLabels: Readonly<Record<string, string>>;
}

/**
 * The colours, symbols and legend names of series such as the registry's
 * mechanisms, keyed by id and by label, for {@linkcode sweepFigure}.
 *
 * @example
 * ```ts
 * import { MECHANISMS } from "@vnmig/vnmig/mechanisms";
 * import { seriesStyles } from "@vnmig/vnmig/plot";
 * const styles = seriesStyles(MECHANISMS);
 * const xen = MECHANISMS[0];
 * if (styles.seriesColors[xen.id] !== xen.color) throw new Error();
 * if (styles.seriesColors[xen.label] !== xen.color) throw new Error();
 * if (styles.seriesLabels[xen.id] !== xen.label) throw new Error();
 * ```
 */
export function seriesStyles(styles: readonly SeriesStyle[]): SeriesStyles {
  const colors: Record<string, string> = {};
  const symbols: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const s of styles) {
    for (const key of s.id === undefined ? [s.label] : [s.id, s.label]) {
      colors[key] = s.color;
      symbols[key] = s.symbol;
      labels[key] = s.label;
    }
  }
  return {
    seriesColors: colors,
    seriesSymbols: symbols,
    seriesLabels: labels,
  };
}

/** An ordinal colour scale, as Observable Plot takes it. */
export interface CategoryScale {
  /** Always "ordinal". */
  readonly type: "ordinal";
  /** The categories present, in the order of the full domain. */
  readonly domain: string[];
  /** Their colours. */
  readonly range: string[];
  /** Whether Plot draws a legend. */
  readonly legend: boolean;
  /** Legend title. */
  readonly label?: string;
}

/** Options of {@linkcode categoryScale}. */
export interface CategoryScaleOptions {
  /** What the values are, for the error message ("verdict"). Default "value". */
  name?: string;
  /** Legend title. Default none. */
  label?: string;
  /** Draw a legend. Default true. */
  legend?: boolean;
}

/**
 * A colour scale over a fixed list of categories (an API constant such as
 * the survival verdicts) and their colours: each category keeps its colour
 * whatever the data, the legend lists only the categories among `values`,
 * and a value outside the list is an error that names it and the list.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, throws } from "node:assert/strict";
 * import { categoryScale } from "@vnmig/vnmig/plot";
 * const verdicts = ["survives", "phase-dependent", "fails"];
 * const colors = ["green", "orange", "red"];
 * const scale = categoryScale(verdicts, colors, ["fails", "survives"]);
 * deepStrictEqual(scale.domain, ["survives", "fails"]);
 * deepStrictEqual(scale.range, ["green", "red"]);
 * throws(() => categoryScale(verdicts, colors, ["depends on phase"]), /one of/);
 * ```
 */
export function categoryScale(
  domain: readonly string[],
  range: readonly string[],
  values: Iterable<string>,
  options: CategoryScaleOptions = {},
): CategoryScale {
  if (range.length < domain.length) {
    throw new RangeError(
      `range must give a colour for each of the ${domain.length} categories; got ${range.length}`,
    );
  }
  const present = new Set<string>();
  for (const value of values) {
    if (!domain.includes(value)) {
      throw new RangeError(
        `${options.name ?? "value"} must be one of ${
          domain.map((d) => JSON.stringify(d)).join(", ")
        }; got ${JSON.stringify(value)}`,
      );
    }
    present.add(value);
  }
  const kept = domain.map((d, i) => [d, range[i]] as const).filter(([d]) =>
    present.has(d)
  );
  return {
    type: "ordinal",
    domain: kept.map(([d]) => d),
    range: kept.map(([, r]) => r),
    legend: options.legend ?? true,
    ...(options.label === undefined ? {} : { label: options.label }),
  };
}
