import type { Pool } from 'pg'
import type { Decision, OptimizationStatus } from './business-metrics.js'
import type { Proposal } from './model.js'

/** An optimization as the API returns it. */
export interface Optimization {
  id: string
  targetRole: string
  status: 'pending' | 'running' | OptimizationStatus
  createdAt: string
  finishedAt: string | null
}

/** A suggestion as the API returns it. */
export interface Suggestion {
  id: string
  position: number
  original: string
  proposal: string
  decision: Decision | null
}

/** The outcome of recording a decision. */
export type DecideResult = 'decided' | 'not-found' | 'already-decided'

const OPTIMIZATION_COLUMNS = `id, target_role AS "targetRole", status, created_at AS "createdAt", finished_at AS "finishedAt"`
const SUGGESTION_COLUMNS = `id, position, original, proposal, decision`

/** The service's SQL, one method per statement; every statement is scoped to the user. */
export class Repository {
  constructor(private readonly pool: Pool) {}

  /** Inserts a pending optimization and returns it. */
  async create(userId: string, targetRole: string, resume: string): Promise<Optimization> {
    const { rows } = await this.pool.query<Optimization>(
      `INSERT INTO optimizations (user_id, target_role, resume) VALUES ($1, $2, $3) RETURNING ${OPTIMIZATION_COLUMNS}`,
      [userId, targetRole, resume],
    )
    return rows[0] as Optimization
  }

  /** The user's latest optimizations, newest first. */
  async list(userId: string, limit: number): Promise<Optimization[]> {
    const { rows } = await this.pool.query<Optimization>(
      `SELECT ${OPTIMIZATION_COLUMNS} FROM optimizations WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [userId, limit],
    )
    return rows
  }

  /** One optimization with its suggestions, or undefined. */
  async get(userId: string, id: string): Promise<(Optimization & { suggestions: Suggestion[] }) | undefined> {
    const { rows } = await this.pool.query<Optimization>(
      `SELECT ${OPTIMIZATION_COLUMNS} FROM optimizations WHERE id = $1 AND user_id = $2`,
      [id, userId],
    )
    const optimization = rows[0]
    if (optimization === undefined) return undefined
    const suggestions = await this.pool.query<Suggestion>(
      `SELECT ${SUGGESTION_COLUMNS} FROM suggestions WHERE optimization_id = $1 ORDER BY position`,
      [id],
    )
    return { ...optimization, suggestions: suggestions.rows }
  }

  /**
   * Moves a pending optimization to `running` and returns its resume; undefined when it does not
   * exist, belongs to someone else or already ran (so two streams never run one optimization).
   */
  async claim(userId: string, id: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ resume: string }>(
      `UPDATE optimizations SET status = 'running' WHERE id = $1 AND user_id = $2 AND status = 'pending' RETURNING resume`,
      [id, userId],
    )
    return rows[0]?.resume
  }

  /** Stores one generated suggestion. */
  async addSuggestion(optimizationId: string, proposal: Proposal): Promise<Suggestion> {
    const { rows } = await this.pool.query<Suggestion>(
      `INSERT INTO suggestions (optimization_id, position, original, proposal) VALUES ($1, $2, $3, $4) RETURNING ${SUGGESTION_COLUMNS}`,
      [optimizationId, proposal.position, proposal.original, proposal.proposal],
    )
    return rows[0] as Suggestion
  }

  /** Records how a running optimization ended. */
  async finish(id: string, status: OptimizationStatus): Promise<void> {
    await this.pool.query(`UPDATE optimizations SET status = $2, finished_at = now() WHERE id = $1`, [id, status])
  }

  /** Records the user's decision on one suggestion of one of their optimizations. */
  async decide(userId: string, optimizationId: string, suggestionId: string, decision: Decision): Promise<DecideResult> {
    const { rows } = await this.pool.query<{ decided: boolean }>(
      `UPDATE suggestions s SET decision = $4, decided_at = now()
         FROM optimizations o
        WHERE s.id = $3 AND s.optimization_id = $2 AND o.id = s.optimization_id AND o.user_id = $1
          AND s.decision IS NULL
      RETURNING true AS decided`,
      [userId, optimizationId, suggestionId, decision],
    )
    if (rows.length === 1) return 'decided'
    const exists = await this.pool.query(
      `SELECT 1 FROM suggestions s JOIN optimizations o ON o.id = s.optimization_id WHERE s.id = $2 AND s.optimization_id = $1 AND o.user_id = $3`,
      [optimizationId, suggestionId, userId],
    )
    return exists.rowCount === 1 ? 'already-decided' : 'not-found'
  }
}
