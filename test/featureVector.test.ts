/** The feature vector contract: named, ordered, every entry in a documented range. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURE_COUNT, FEATURE_NAMES, FEATURES, featureIndex, featureVectorFrom } from '../src/features/featureVector.ts';

describe('feature vector', () => {
  it('has unique names, an index for each, and typical values inside the ranges', () => {
    assert.equal(FEATURE_COUNT, FEATURES.length);
    assert.equal(new Set(FEATURE_NAMES).size, FEATURE_COUNT);
    FEATURES.forEach((spec, i) => {
      assert.equal(featureIndex(spec.name), i);
      assert.ok(spec.min < spec.max, spec.name);
      assert.ok(spec.typical >= spec.min && spec.typical <= spec.max, spec.name);
    });
  });

  it('builds a vector from named values: typical where not given, clipped to range', () => {
    const v = featureVectorFrom({ pressure: -3, wind_mean: 0.5, cloud_cover: 1.2 });
    assert.equal(v.length, FEATURE_COUNT);
    assert.equal(v[featureIndex('pressure')], -1);
    assert.equal(v[featureIndex('wind_mean')], 0.5);
    assert.equal(v[featureIndex('cloud_cover')], 1);
    assert.equal(v[featureIndex('time_of_day_cos')], 1, 'typical');
    assert.equal(v[featureIndex('brightness')], 0.5, 'typical');
  });
});
