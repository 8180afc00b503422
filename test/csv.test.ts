import { describe, expect, it } from 'vitest';
import { BOM, csvCell, parseCsv, parseCsvRecords, toCsv } from '../src/csv/csv';

describe('spreadsheet-safe CSV', () => {
  it.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+996 555 123', "'+996 555 123"],
    ['-1', "'-1"],
    ['@cmd', "'@cmd"],
    ['\tx', "'\tx"],
    ['plain', 'plain'],
    ['Айгүл, Бишкек', '"Айгүл, Бишкек"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
  ])('writes %j as %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('starts with a BOM and ends lines with CRLF, and reads back what it wrote', () => {
    const text = toCsv(
      ['name', 'note'],
      [
        ['Нургүл Үсөнова', '=1+1'],
        ['Asel "A"', 'x;y'],
      ],
    );
    expect(text.startsWith(BOM)).toBe(true);
    expect(text).toContain('\r\n');
    expect(parseCsv(text)).toEqual([
      ['name', 'note'],
      ['Нургүл Үсөнова', "'=1+1"],
      ['Asel "A"', 'x;y'],
    ]);
  });

  it('reads semicolon CSV as Excel writes it in Russian locales, and skips blank lines', () => {
    const { header, records } = parseCsvRecords(
      'Email;Name\r\naigul@example.kg;Айгүл\r\n\r\n"b@example.kg";"Бермет; Б."\r\n',
    );
    expect(header).toEqual(['email', 'name']);
    expect(records).toEqual([
      { email: 'aigul@example.kg', name: 'Айгүл' },
      { email: 'b@example.kg', name: 'Бермет; Б.' },
    ]);
  });

  it('refuses an unclosed quote', () => {
    expect(() => parseCsv('a,"b\nc')).toThrow(/not closed/);
  });
});
