/**
 * A typed client of `footcore serve`: openapi-fetch over the paths and schemas that
 * openapi-typescript generated from the server's OpenAPI document (src/api.ts, made by
 * `npm run generate`). Each call's path, parameters, body and answers are checked by tsc
 * against that document.
 */
import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./api.js";

export type Schemas = components["schemas"];
export type CheckIn = Schemas["CheckIn"];
export type Decision = Schemas["Decision"];
export type Problem = Schemas["Problem"];
export type FootcoreClient = Client<paths>;

/** A client of the server at `baseUrl`, sending `token` as a bearer token when given. */
export function footcore(baseUrl: string, token?: string): FootcoreClient {
  return createClient<paths>({
    baseUrl,
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
}
