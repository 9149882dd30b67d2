import { describe, expect, it } from 'vitest';
import { BINDING_MESSAGE_MAX, bindingMessage, isValidBindingMessage } from '../../src/approvals/binding-message.js';

describe('binding messages (Auth0 rules)', () => {
  it('accepts letters, digits, space and + - _ . , : # up to 64 characters', () => {
    expect(isValidBindingMessage('Buy Laptop 900 EUR #AB12CD')).toBe(true);
    expect(isValidBindingMessage('a+b-c_d.e,f:g#h i')).toBe(true);
    expect(isValidBindingMessage('x'.repeat(64))).toBe(true);
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'x'.repeat(65), 'Buy €5', 'quote"', 'new\nline', 'semi;colon', 'slash/', ' leading', 'trailing ', 'emoji 😀', 'tab\t', '<b>']) {
      expect(isValidBindingMessage(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isValidBindingMessage(undefined)).toBe(false);
  });

  it('builds a valid message from any text, keeping the approval code', () => {
    expect(bindingMessage('Buy Laptop 900 EUR', 'SR7QQW')).toBe('Buy Laptop 900 EUR #SR7QQW');
    expect(bindingMessage('Pay "Café Noël" 12,50 € (tip!)', 'A1')).toBe('Pay Cafe Noel 12,50 tip #A1');
    expect(bindingMessage('€€€', 'Z9')).toBe('Approve request #Z9');
  });

  it('cuts long text on a word boundary to fit 64 characters', () => {
    const m = bindingMessage('Send email to alice@example.com bob@example.com carol@example.com about the quarterly report', 'CODE12');
    expect(m.length).toBeLessThanOrEqual(BINDING_MESSAGE_MAX);
    expect(m.endsWith(' #CODE12')).toBe(true);
    expect(isValidBindingMessage(m)).toBe(true);
    expect(m).toBe('Send email to alice example.com bob example.com carol #CODE12');
  });

  it('never produces an invalid message for hostile input', () => {
    for (const text of ['\u0000\u202e', ' '.repeat(200), '#'.repeat(300), 'a'.repeat(500), 'Ünïcödé ẞ ﬁ ①']) {
      expect(isValidBindingMessage(bindingMessage(text, 'X1'))).toBe(true);
    }
  });

  it('refuses a bad approval code (a programmer error)', () => {
    expect(() => bindingMessage('x', 'not valid!')).toThrow(TypeError);
  });
});
