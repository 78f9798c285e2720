import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './durations.js';
import { formatPercent, parsePercent } from './percent.js';

describe('durations', () => {
  it.each([
    ['30s', 30],
    ['2m', 120],
    ['1h30m', 5400],
    ['24h', 86_400],
    ['2d', 172_800],
    ['1d2h3m4s', 93_784],
    [' 5m ', 300],
    [45, 45],
    [0, 0],
  ] as const)('%s is %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toEqual({ seconds });
  });

  it.each(['', '5', 'm', '1.5h', '30m1h', '2 minutes', '-1s', '1w'])('"%s" is not a duration', (input) => {
    expect(parseDuration(input)).toHaveProperty('error');
  });

  it.each([-1, 1.5, Number.NaN])('%s seconds is not a duration', (input) => {
    expect(parseDuration(input)).toHaveProperty('error');
  });

  it.each([
    [30, '30s'],
    [120, '2m'],
    [5400, '1h30m'],
    [86_400, '24h'],
    [90_061, '25h1m1s'],
    [0, '0s'],
  ])('%i seconds prints as %s, which parses back', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
    expect(parseDuration(text)).toEqual({ seconds });
  });
});

describe('percentages', () => {
  it.each([
    ['10%', 10],
    ['0.5%', 0.5],
    ['100 %', 100],
    [25, 25],
  ] as const)('%s is %d percent', (input, percent) => {
    expect(parsePercent(input)).toEqual({ percent });
  });

  it.each(['10', 'ten%', '%', '-5%', '1e2%'])('"%s" is not a percentage', (input) => {
    expect(parsePercent(input)).toHaveProperty('error');
  });

  it('refuses non-finite numbers', () => {
    expect(parsePercent(Number.POSITIVE_INFINITY)).toHaveProperty('error');
  });

  it('prints at most two decimals', () => {
    expect(formatPercent(4.2)).toBe('4.2%');
    expect(formatPercent(1 / 3)).toBe('0.33%');
    expect(formatPercent(100)).toBe('100%');
  });
});
