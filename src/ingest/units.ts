/**
 * Units the sensor contract accepts, and how each becomes the engine's unit.
 * Conversion factors: NIST SP 811 (2008), appendix B.
 */
export const QUANTITIES = {
  pressure: { unit: 'hPa', min: 850, max: 1100 }, // world records: 870 hPa (Typhoon Tip) to 1084 hPa
  wind_speed: { unit: 'm/s', min: 0, max: 115 }, // 113 m/s: highest gust measured (Barrow Island, 1996)
  wind_gust: { unit: 'm/s', min: 0, max: 115 },
  wind_direction: { unit: 'deg', min: 0, max: 360 },
  precipitation_rate: { unit: 'mm/h', min: 0, max: 500 },
  cloud_cover: { unit: 'fraction', min: 0, max: 1 },
  brightness: { unit: 'fraction', min: 0, max: 1 },
  temperature: { unit: 'C', min: -90, max: 60 },
  humidity: { unit: '%', min: 0, max: 100 },
} as const;

export type Quantity = keyof typeof QUANTITIES;
export const QUANTITY_NAMES = Object.keys(QUANTITIES) as Quantity[];

type Converter = (x: number) => number;

const CONVERSIONS: Record<Quantity, Record<string, Converter>> = {
  pressure: {
    hPa: (x) => x,
    mbar: (x) => x,
    Pa: (x) => x / 100,
    kPa: (x) => x * 10,
    bar: (x) => x * 1000,
    mmHg: (x) => x * 1.333224,
    inHg: (x) => x * 33.86389,
  },
  wind_speed: speedConversions(),
  wind_gust: speedConversions(),
  wind_direction: { deg: (x) => x },
  precipitation_rate: { 'mm/h': (x) => x, 'in/h': (x) => x * 25.4 },
  cloud_cover: { fraction: (x) => x, '%': (x) => x / 100, okta: (x) => x / 8 },
  brightness: { fraction: (x) => x, '%': (x) => x / 100 },
  temperature: { C: (x) => x, F: (x) => ((x - 32) * 5) / 9, K: (x) => x - 273.15 },
  humidity: { '%': (x) => x, fraction: (x) => x * 100 },
};

function speedConversions(): Record<string, Converter> {
  return {
    'm/s': (x) => x,
    'km/h': (x) => x / 3.6,
    kn: (x) => x * 0.514444,
    mph: (x) => x * 0.44704,
  };
}

export function isQuantity(name: string): name is Quantity {
  return Object.hasOwn(QUANTITIES, name);
}

/** The converter from `unit` to the engine's unit for `quantity`, or undefined if unknown. */
export function converterFor(quantity: Quantity, unit: string): Converter | undefined {
  const table = CONVERSIONS[quantity];
  return Object.hasOwn(table, unit) ? table[unit] : undefined;
}

export function acceptedUnits(quantity: Quantity): string[] {
  return Object.keys(CONVERSIONS[quantity]);
}
