'use strict';

// Named colour tokens for design systems: hex values, lighten/darken, CSS variables.
const tokens = {
  primary: '#3355ff',
  secondary: '#ff8833',
  success: '#22aa55',
  danger: '#dd2244',
  muted: '#888899',
};

function clamp(n) {
  return Math.max(0, Math.min(255, Math.round(n)));
}

function shade(hex, amount) {
  const n = parseInt(hex.slice(1), 16);
  const r = clamp((n >> 16) + amount);
  const g = clamp(((n >> 8) & 0xff) + amount);
  const b = clamp((n & 0xff) + amount);
  return '#' + ((r << 16) | (g << 8) | b).toString(16).padStart(6, '0');
}

function cssVariables(prefix = 'hue') {
  return Object.entries(tokens)
    .map(([name, value]) => `--${prefix}-${name}: ${value};`)
    .join('\n');
}

module.exports = { tokens, shade, cssVariables };
