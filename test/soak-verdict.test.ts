import { describe, expect, it } from 'vitest'
import { parseSamples } from '../bench/lib/exposition.mjs'
import { addStatusCodes, compareCounts, emptyCounts } from '../bench/lib/soak-counts.mjs'
import { judgeGrowth } from '../bench/lib/soak-samples.mjs'

const MIB = 1024 * 1024
const sample = (atMs: number, heapUsed: number, series: string[]) => ({ atMs, rss: 0, heapUsed, series, scrapeMs: 0, requests: 0 })

describe('the soak verdict', () => {
  it('flags a status count the server saw once more than the clients', () => {
    const client = emptyCounts()
    addStatusCodes(client, { '200': 3, '404': 1 })
    const scrape = parseSamples(
      [
        'http_server_request_duration_seconds_count{method="GET",route="/a",status_code="200"} 2',
        'http_server_request_duration_seconds_count{method="GET",route="/b",status_code="200"} 1',
        'http_server_request_duration_seconds_count{method="GET",route="__unmatched",status_code="404"} 2',
      ].join('\n'),
    )
    const rows = compareCounts(client, scrape)
    expect(rows.filter((row) => !row.equal).map((row) => [row.what, row.client, row.server])).toEqual([
      ['HTTP requests, status 404', 1, 2],
      ['HTTP requests, all', 4, 5],
    ])
  })

  it('judges growth against the first sample after the warm-up only', () => {
    const samples = [sample(0, 10 * MIB, ['a']), sample(60_000, 16 * MIB, ['a', 'b']), sample(90_000, 17 * MIB, ['a', 'b']), sample(120_000, 21.5 * MIB, ['a', 'b', 'c'])]
    const growth = judgeGrowth(samples, { warmupMs: 60_000, heapGrowthBytes: 4 * MIB })
    expect(growth.baseline?.atMs).toBe(60_000)
    expect(growth.newSeries).toEqual(['c'])
    expect(growth.seriesGrew).toBe(true)
    expect(growth.heapGrowth).toBe(5.5 * MIB)
    expect(growth.heapGrew).toBe(true)
  })

  it('judges nothing when the run ended within its warm-up', () => {
    const growth = judgeGrowth([sample(0, 10 * MIB, ['a']), sample(20_000, 30 * MIB, ['a', 'b'])], { warmupMs: 90_000, heapGrowthBytes: 4 * MIB })
    expect(growth).toEqual({ baseline: undefined, newSeries: [], seriesGrew: false, heapGrowth: 0, heapGrew: false })
  })
})
