# Writes the catalog API's OpenAPI description: schemas/catalog-openapi.json and the copy the server serves.
import json, os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
err = {"$ref": "#/components/responses/Error"}
def op(summary, opid, params=(), body=None, ok=None, okcode="200", auth=True, extra=None):
    o = {"summary": summary, "operationId": opid, "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params],
         "responses": {}}
    if body: o["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if okcode == "204": o["responses"]["204"] = {"description": "Deleted"}
    else: o["responses"][okcode] = {"description": "OK", "content": {"application/json": {"schema": ok}}}
    for code in (["400", "401", "403", "404"] if auth else []): o["responses"][code] = err
    if extra: o["responses"].update(extra)
    if not auth: o["security"] = []
    return o
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}
def op_list(*a, **k):
    o = op(*a, **k)
    o["responses"]["200"]["headers"] = {"X-Next-After": {"description": "Set on a full page: the cursor of the next one.", "schema": {"type": "string"}}}
    return o
P = "/api/backend/marketplace"
doc = {
 "openapi": "3.1.0",
 "info": {"title": "Tandem catalog", "version": "1.0.0",
          "description": "A Marketplace of sidecar items per company, with the routes miactl's `marketplace` commands call, revisions, and bearer tokens per company with roles (read, publish, admin)."},
 "security": [{"bearer": []}],
 "paths": {
  "/health": {"get": op("Liveness of the server", "health", ok={"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]}, auth=False)},
  "/openapi.json": {"get": op("This description", "openapi", ok={"type": "object"}, auth=False)},
  P: {"get": op_list("List a company's items (tenantId) or them and the items other companies share (includeTenantId)", "listItems",
               params=["tenantId", "includeTenantId", "type", "page", "perPage", "after"], ok={"type": "array", "items": ref("Item")})},
  P + "/{objectId}": {"get": op("Get an item by object id (a public item needs no token)", "getItemByObjectId", params=["objectId"], ok=ref("Item"))},
  P + "/tenants/{companyId}/resources": {"post": op("Apply a batch of items: each is created, updated or left unchanged; invalid ones are reported and not stored", "applyItems",
               params=["companyId"], body=ref("ApplyRequest"), ok=ref("ApplyResponse"), extra={"413": err})},
  P + "/tenants/{companyId}/resources/{itemId}/versions": {"get": op("List the versions of an item", "listVersions", params=["companyId", "itemId"], ok={"type": "array", "items": ref("VersionEntry")})},
  P + "/tenants/{companyId}/resources/{itemId}/versions/{version}": {
      "get": op("Get an item by item id and version (N/A for a sidecar)", "getItemByVersion", params=["companyId", "itemId", "version"], ok=ref("Item")),
      "delete": op("Delete an item by item id and version", "deleteItemByVersion", params=["companyId", "itemId", "version"], okcode="204")},
  P + "/tenants/{companyId}/resources/{objectId}": {"delete": op("Delete an item by object id", "deleteItem", params=["companyId", "objectId"], okcode="204")},
  P + "/tenants/{companyId}/resources/{objectId}/history": {"get": op("The revisions of an item, oldest first", "itemHistory", params=["companyId", "objectId"], ok={"type": "array", "items": ref("RevisionEntry")})},
  P + "/tenants/{companyId}/resources/{objectId}/history/{revision}": {"get": op("An item as it was at one revision", "itemRevision", params=["companyId", "objectId", "revision"], ok=ref("Item"))},
  P + "/tenants/{companyId}/resources/{objectId}/restore": {"post": op("Make an earlier revision current again, as a new revision", "restoreItem", params=["companyId", "objectId"], body=ref("RestoreRequest"), ok=ref("ApplyItemOutcome"))},
 },
 "components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token made with `tandem catalog token create`."}},
  "parameters": {
   "companyId": {"name": "companyId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
   "itemId": {"name": "itemId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
   "version": {"name": "version", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
   "objectId": {"name": "objectId", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{24}$"}},
   "revision": {"name": "revision", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
   "tenantId": {"name": "tenantId", "in": "query", "schema": {"type": "string"}},
   "includeTenantId": {"name": "includeTenantId", "in": "query", "schema": {"type": "string"}},
   "type": {"name": "type", "in": "query", "schema": {"type": "string"}},
   "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
   "perPage": {"name": "perPage", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}},
   "after": {"name": "after", "in": "query", "description": "The X-Next-After header of the previous page: pages by key, so every page costs the same (page is then ignored).", "schema": {"type": "string", "pattern": "^([0-9a-f]{2})+$"}},
  },
  "responses": {"Error": {"description": "The request failed; nothing was changed.", "content": {"application/json": {"schema": ref("Error")}}}},
  "schemas": {
   "Error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string", "enum": ["invalid", "notFound", "unauthorized", "forbidden", "conflict", "tooLarge", "storage"]}, "message": {"type": "string"}}},
   "Item": {"type": "object", "description": "A Mia-Platform Marketplace sidecar item (schemas/mia-sidecar-item.schema.json), with its object id.",
            "required": ["_id", "itemId", "name", "tenantId", "resources"],
            "properties": {"_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"}, "itemId": {"type": "string"}, "name": {"type": "string"}, "tenantId": {"type": "string"}, "type": {"type": "string"}, "resources": {"type": "object"}},
            "additionalProperties": True},
   "ApplyRequest": {"type": "object", "required": ["resources"], "properties": {"resources": {"type": "array", "maxItems": 10000, "items": {"type": "object"}}}},
   "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}, "path": {"type": "string"}, "line": {"type": "integer"}, "column": {"type": "integer"}}},
   "ApplyItemOutcome": {"type": "object", "required": ["done", "inserted", "updated", "unchanged", "validationErrors", "errors"],
       "properties": {"_id": {"type": "string"}, "itemId": {"type": "string"}, "done": {"type": "boolean"}, "inserted": {"type": "boolean"}, "updated": {"type": "boolean"}, "unchanged": {"type": "boolean"},
                      "status": {"type": "string", "enum": ["Created", "Updated", "Unchanged"]},
                      "validationErrors": {"type": "array", "items": ref("Message")}, "errors": {"type": "array", "items": ref("Message")}}},
   "ApplyResponse": {"type": "object", "required": ["done", "items"], "properties": {"done": {"type": "boolean"}, "items": {"type": "array", "items": ref("ApplyItemOutcome")}}},
   "VersionEntry": {"type": "object", "required": ["_id", "itemId", "name", "description", "version"], "properties": {"_id": {"type": "string"}, "itemId": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"}, "version": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}},
   "RevisionEntry": {"type": "object", "required": ["revision", "action", "actor", "at", "changes"], "properties": {"revision": {"type": "integer"}, "action": {"type": "string", "enum": ["created", "updated", "restored", "deleted"]}, "actor": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "changes": {"type": "array", "items": {"type": "string"}}}},
   "RestoreRequest": {"type": "object", "required": ["revision"], "properties": {"revision": {"type": "integer", "minimum": 1}}},
  }
 }
}
text = json.dumps(doc, indent=2)
open(root + "/schemas/catalog-openapi.json", "w").write(text + "\n")
indented = "\n".join(("        " + line) if line else line for line in text.split("\n"))
swift = '/// The OpenAPI description of the catalog API, served at `/openapi.json`. Generated from\n/// scripts/catalog/openapi.py into schemas/catalog-openapi.json; a test checks the two agree.\nenum CatalogOpenAPI {\n    static let document = #"""\n' + indented + '\n        """#\n}\n'
open(root + "/Sources/TandemCatalogServer/CatalogOpenAPI.swift", "w").write(swift)
