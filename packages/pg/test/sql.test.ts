import { describe, expect, it } from 'vitest'
import { operationOfCommand, operationOfText, redactSql, sqlstateClass } from '../src/sql.js'

describe('redactSql', () => {
  it('replaces string literals, including doubled quotes, by a placeholder', () => {
    expect(redactSql("SELECT * FROM users WHERE email = 'o''brien@example.com'")).toBe('SELECT * FROM users WHERE email = ?')
  })

  it('replaces escape strings with backslash-escaped quotes', () => {
    expect(redactSql("SELECT E'it\\'s secret' AS x")).toBe('SELECT ? AS x')
  })

  it('replaces dollar-quoted strings, tagged or not', () => {
    expect(redactSql('SELECT $$secret$$, $tag$more $$ secret$tag$ FROM t')).toBe('SELECT ?, ? FROM t')
  })

  it('replaces numbers but keeps bind parameters and identifiers with digits', () => {
    expect(redactSql('SELECT col1 FROM t2 WHERE id = $1 AND n > 42 AND x < 1.5e3 AND y IN (7, .5)')).toBe(
      'SELECT col1 FROM t2 WHERE id = $1 AND n > ? AND x < ? AND y IN (?, ?)',
    )
  })

  it('keeps quoted identifiers and removes comments', () => {
    expect(redactSql('/* user=alice */ SELECT "it\'s" FROM t -- token abc\nWHERE a = \'x\'')).toBe(
      '  SELECT "it\'s" FROM t  \nWHERE a = ?',
    )
  })

  it('replaces an unterminated literal to the end of the text', () => {
    expect(redactSql("SELECT 'secret")).toBe('SELECT ?')
  })

  it('replaces prefixed bit, hex and national strings', () => {
    expect(redactSql("SELECT B'0101', X'ff', N'secret', U&'d\\0061t'")).toBe('SELECT ?, ?, ?, ?')
  })
})

describe('operation labels', () => {
  it('takes a known command tag as it is and anything else as OTHER', () => {
    expect(operationOfCommand('INSERT')).toBe('INSERT')
    expect(operationOfCommand('IMPORT')).toBe('OTHER')
    expect(operationOfCommand(undefined)).toBe('OTHER')
  })

  it('reads the first keyword of a failed query past comments, spaces and parentheses', () => {
    expect(operationOfText('  -- note\n /* a /* nested */ b */ (select 1) UNION (SELECT 2)')).toBe('SELECT')
    expect(operationOfText('update t set a = 1')).toBe('UPDATE')
  })

  it('maps keywords onto the tag Postgres answers them with', () => {
    expect(operationOfText('END')).toBe('COMMIT')
    expect(operationOfText('ABORT')).toBe('ROLLBACK')
    expect(operationOfText('VALUES (1)')).toBe('SELECT')
  })

  it('never turns SQL text into a label', () => {
    expect(operationOfText("secret_function('x')")).toBe('OTHER')
    expect(operationOfText('')).toBe('OTHER')
    expect(operationOfText(undefined)).toBe('OTHER')
  })
})

describe('sqlstateClass', () => {
  it('takes the first two characters of a SQLSTATE', () => {
    expect(sqlstateClass({ code: '23505' })).toBe('23')
    expect(sqlstateClass({ code: '57P01' })).toBe('57')
  })

  it('is none for errors without a SQLSTATE, such as a refused connection', () => {
    expect(sqlstateClass(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe('none')
    expect(sqlstateClass(Object.assign(new Error('pipe'), { code: 'EPIPE' }))).toBe('none')
    expect(sqlstateClass(new TypeError('null query'))).toBe('none')
    expect(sqlstateClass(undefined)).toBe('none')
  })
})
