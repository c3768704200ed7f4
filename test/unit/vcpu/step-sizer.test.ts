import { describe, expect, it } from 'vitest';
import { MIN_STEP_OPS, StepSizer } from '../../../src/vcpu/step-sizer.js';

describe('adaptive step size', () => {
  it('halves while steps are slow, down to the minimum', () => {
    const s = new StepSizer(1024, 50);
    for (const want of [512, 256, 128, 64, 32, 16, 16]) {
      s.took(400);
      expect(s.size).toBe(want);
    }
    expect(s.size).toBe(MIN_STEP_OPS);
  });

  it('grows back to the configured size when steps are fast, never beyond', () => {
    const s = new StepSizer(100, 50);
    s.took(1000);
    s.took(1000);
    expect(s.size).toBe(25);
    s.took(5);
    expect(s.size).toBe(50);
    s.took(5);
    s.took(5);
    expect(s.size).toBe(100);
  });

  it('keeps its size in the band between a quarter of the target and the target', () => {
    const s = new StepSizer(256, 50);
    s.took(30);
    expect(s.size).toBe(256);
    s.took(51);
    s.took(20);
    expect(s.size).toBe(128);
  });
});
