"""JavaScript and TypeScript: jsonwebtoken, jose, WebCrypto HMAC, jwt-simple, njwt, jsrsasign;
Express, Koa, Fastify, hapi, NestJS controllers, Next.js (App Router and Pages Router API routes),
Cloudflare Workers and AWS Lambda handlers (anything else gets the standalone provider)."""

import re

from migrate.lang import Framework, Language

# Router methods that register a route; scan names a signer by its route and generate wires
# the same one.
ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "all", "use", "route", "handle"})

LANGUAGE = Language(
    name="javascript",
    dialects=("typescript", "tsx"),
    extensions={".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
                ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx"},
    needles=(),  # scripts are read for widget code too: the walk's full needle set applies
    extra_needles=(b"webtoken",),  # `import { sign } from "jsonwebtoken"` need not say jwt
    gate=("sign", "Sign", "SIGN", "subtle", "jwt-simple", "njwt", "createHmac"),
    libraries=("jsonwebtoken", "jose", "webcrypto", "node-crypto-hmac", "jwt-simple", "njwt", "jsrsasign"),
    frameworks=(
        Framework("nextjs", re.compile(r"from\s+['\"]next/server['\"]|export\s+(async\s+)?function\s+(GET|POST)\b")),
        # An API route of the Pages Router: `export default function handler(req, res)` (pages/api/...).
        Framework("nextjs_pages", re.compile(r"""\bNextApiRequest\b|\bNextApiResponse\b|from\s+['"]next['"]|"""
                                             r"""export\s+default\s+(?:async\s+)?function\s*[\w$]*\s*\(\s*req\w*\b|"""
                                             # `export default withSession(handler)`
                                             r"""^export\s+default\s+[\w$.]+\(\s*[\w$]+\s*\);?[ \t]*$""", re.MULTILINE)),
        # NestJS: a controller (or a service: no route, the standalone provider) importing its decorators.
        Framework("nestjs", re.compile(r"""from\s+['"]@nestjs/common['"]|require\(\s*['"]@nestjs/common['"]\s*\)""")),
        # hapi: a file that imports it, or hands routes their `h` toolkit (a route module of a hapi server).
        Framework("hapi", re.compile(r"""require\(\s*['"](?:@hapi/hapi|hapi)['"]\s*\)|from\s+['"](?:@hapi/hapi|hapi)['"]|"""
                                     r"""\bh\.(?:response|authenticated|continue)\b|\brequest\.auth\.credentials\b""")),
        Framework("koa", re.compile(r"""require\(\s*['"](?:koa|@koa/router|koa-router)['"]\s*\)|"""
                                    r"""from\s+['"](?:koa|@koa/router|koa-router)['"]""")),
        # A file that imports Fastify, or a plugin registering routes on the instance it is handed.
        Framework("fastify", re.compile(r"""require\(\s*['"]fastify['"]\s*\)|from\s+['"]fastify['"]|"""
                                        r"""\bfastify\.(?:get|post|put|patch|delete|all|route)\(""")),
        # A file that imports Express, or registers routes the way it does (a router module handed `app`).
        Framework("express", re.compile(r"""require\(\s*['"]express['"]\s*\)|from\s+['"]express['"]|"""
                                        r"""\b(?:app|router|api)\.(?:get|post|put|patch|delete|all|use)\(\s*['"`]/""")),
        # A Cloudflare Worker: `export default { async fetch(request, env, ctx) {...} }`.
        Framework("workers", re.compile(r"""\bfetch\s*\(\s*[\w$]+\s*(?::\s*Request\s*)?,\s*env\b""")),
        # An AWS Lambda handler module: `export const handler = async (event) => ...`, `exports.handler = ...`.
        Framework("lambda_handler", re.compile(r"""(?:\bexports|\bmodule\.exports)\.handler\s*=|"""
                                               r"""export\s+(?:const|let|var)\s+handler\s*=|"""
                                               r"""export\s+(?:async\s+)?function\s+handler\s*\(""")),
    ),
    now="Math.floor(Date.now() / 1000)",
    now_plus_5_min="Math.floor(Date.now() / 1000) + 300",
    to_string="String({})",
    widgets=True,
)
