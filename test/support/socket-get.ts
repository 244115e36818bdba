import type { Agent } from 'node:http';
import { request } from './http.js';

export interface SocketResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET over a real socket to 127.0.0.1 with the body as text, failing after `timeout` ms instead of hanging. */
export async function socketGet(port: number, path: string, agent: Agent | false = false, timeout = 5_000): Promise<SocketResponse> {
  const { status, headers, text } = await request(port, path, { agent, timeout });
  return { status, headers, body: text };
}
