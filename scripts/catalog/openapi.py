# Writes the catalog API's OpenAPI description: schemas/catalog-openapi.json and the copy the server serves
# (Sources/TandemCatalogServer/CatalogOpenAPI.swift). This file is the description's one source; the
# routes the server registers and the client calls (Sources/TandemCatalog/CatalogRoutes.swift) are checked
# against it by Tests/TandemCatalogTests/ContractTests.swift, and every answer of the miactl replay is
# checked against the response schema of its operation.
import json, os
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
err = {"$ref": "#/components/responses/Error"}
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}

def op(summary, opid, params=(), body=None, ok=None, okcode="200", auth=True, codes=("400", "401", "403", "404"), extra=None,
       body_type="application/json", tags=("marketplace",)):
    o = {"summary": summary, "operationId": opid, "tags": list(tags),
         "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params], "responses": {}}
    if body:
        content = {body_type: {"schema": body}}
        if body_type == "application/json":
            content["application/yaml"] = {"schema": body}
        o["requestBody"] = {"required": True, "content": content}
    if okcode == "204":
        o["responses"]["204"] = {"description": "Deleted"}
    else:
        o["responses"][okcode] = {"description": "OK", "content": {"application/json": {"schema": ok}}}
    for code in codes:
        o["responses"][code] = err
    if body and body_type == "application/json":
        o["responses"]["413"] = err
        o["responses"]["415"] = err
    if extra:
        o["responses"].update(extra)
    if not auth:
        o["security"] = []
    return o

def op_list(*a, **k):
    o = op(*a, **k)
    o["responses"]["200"]["headers"] = {"X-Next-After": {"description": "Set on a full page: the cursor of the next one.", "schema": {"type": "string"}}}
    return o

M = "/api/backend/marketplace"
R = M + "/tenants/{companyId}/resources"
C = "/api/tenants/{companyId}/marketplace/items"
list_params = ["tenantId", "includeTenantId", "type", "page", "perPage", "after"]
catalog = ("catalog",)
doc = {
 "openapi": "3.1.0",
 "info": {"title": "Tandem catalog", "version": "2.0.0",
          "description": "A Marketplace of sidecar items per company. It serves the routes of both of miactl's command families "
                         "(`miactl marketplace`: /api/backend/marketplace; `miactl catalog`, Console v14: /api/tenants/{companyId}/marketplace and "
                         "/api/marketplace), the service-account token exchange miactl performs, image uploads, revisions and restore. "
                         "Tokens and service accounts belong to one company and have a role (read, publish, admin)."},
 "security": [{"bearer": []}],
 "paths": {
  "/health": {"get": op("Liveness of the server", "health", ok={"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]}, auth=False, codes=(), tags=("server",))},
  "/openapi.json": {"get": op("This description", "openapi", ok={"type": "object"}, auth=False, codes=(), tags=("server",))},
  "/api/version": {"get": op("The Console version whose API this catalog serves (miactl's catalog commands need 14.0 or later)", "consoleVersion", ok=ref("ConsoleVersion"), auth=False, codes=(), tags=("server",))},
  "/api/m2m/oauth/token": {"post": op("Exchange a service account's client id and secret (HTTP Basic, or client_id and client_secret in the form) for an access token (OAuth 2 client credentials)",
                                      "serviceAccountToken", body=ref("TokenRequest"), body_type="application/x-www-form-urlencoded", ok=ref("AccessToken"), auth=False, codes=(),
                                      extra={"400": {"$ref": "#/components/responses/OAuthError"}, "401": {"$ref": "#/components/responses/OAuthError"}}, tags=("auth",))},
  M + "/": {"get": op_list("List a company's items (tenantId) or them and the items other companies share (includeTenantId)", "listItems", params=list_params, ok={"type": "array", "items": ref("Item")})},
  M + "/{objectId}": {"get": op("Get an item by object id (a public item needs no token)", "getItemByObjectId", params=["objectId"], ok=ref("Item"))},
  R: {"post": op("Apply a batch of items: each is created, updated or left unchanged; invalid ones are reported and not stored", "applyItems", params=["companyId"], body=ref("ApplyRequest"), ok=ref("ApplyResponse"))},
  R + "/{itemId}/versions": {"get": op("List the versions of an item", "listVersions", params=["companyId", "itemId"], ok={"type": "array", "items": ref("Release")})},
  R + "/{itemId}/versions/{version}": {
      "get": op("Get an item by item id and version (N/A for a sidecar, escaped or not)", "getItemByVersion", params=["companyId", "itemId", "version"], ok=ref("Item")),
      "delete": op("Delete an item by item id and version", "deleteItemByVersion", params=["companyId", "itemId", "version"], okcode="204")},
  R + "/{objectId}": {"delete": op("Delete an item by object id", "deleteItem", params=["companyId", "objectId"], okcode="204")},
  R + "/{objectId}/history": {"get": op("The revisions of an item, oldest first", "itemHistory", params=["companyId", "objectId"], ok={"type": "array", "items": ref("RevisionEntry")})},
  R + "/{objectId}/history/{revision}": {"get": op("An item as it was at one revision", "itemRevision", params=["companyId", "objectId", "revision"], ok=ref("Item"))},
  R + "/{objectId}/restore": {"post": op("Make an earlier revision current again, as a new revision", "restoreItem", params=["companyId", "objectId"], body=ref("RestoreRequest"), ok=ref("ApplyItemOutcome"))},
  M + "/tenants/{companyId}/files": {"post": op("Upload an item's image (PNG or JPEG, at most 2 MiB) as miactl does before applying the item; the answer's location is its imageUrl",
                                              "uploadImage", params=["companyId"], body=ref("ImageUpload"), body_type="multipart/form-data", ok=ref("UploadedFile"), extra={"413": err, "415": err})},
  M + "/tenants/{companyId}/files/{fileId}": {"get": {"summary": "An uploaded image (no token needed: it is shown wherever its item is, and its id is 96 random bits)", "operationId": "getImage", "tags": ["marketplace"],
                                              "security": [], "parameters": [{"$ref": "#/components/parameters/companyId"}, {"$ref": "#/components/parameters/fileId"}],
                                              "responses": {"200": {"description": "The image", "content": {"image/png": {"schema": {"type": "string", "contentMediaType": "image/png"}}, "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}}}}, "404": err}}},
  "/api/marketplace/": {"get": op_list("List a company's items, miactl catalog's route (the same as listItems)", "catalogListItems", params=list_params, ok={"type": "array", "items": ref("Item")}, tags=catalog)},
  C: {"post": op("Apply a batch of items, miactl catalog's route (the same as applyItems; miactl reads errors)", "catalogApplyItems", params=["companyId"], body=ref("ApplyRequest"), ok=ref("ApplyResponse"), tags=catalog)},
  C + "/{itemId}/versions": {"get": op("List the versions of an item, miactl catalog's route", "catalogListVersions", params=["companyId", "itemId"], ok={"type": "array", "items": ref("Release")}, tags=catalog)},
  C + "/{itemId}/versions/{version}": {
      "get": op("Get an item by item id and version, miactl catalog's route", "catalogGetItem", params=["companyId", "itemId", "version"], ok=ref("Item"), tags=catalog),
      "delete": op("Delete an item by item id and version, miactl catalog's route", "catalogDeleteItem", params=["companyId", "itemId", "version"], okcode="204", tags=catalog)},
 },
 "components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token made with `tandem catalog token create`, or an access token from /api/m2m/oauth/token."}},
  "parameters": {
   "companyId": {"name": "companyId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
   "itemId": {"name": "itemId", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}},
   "version": {"name": "version", "in": "path", "required": True, "description": "N/A for a sidecar; miactl sends it unescaped (versions/N/A), which is accepted as is N%2FA.", "schema": {"type": "string", "minLength": 1}},
   "objectId": {"name": "objectId", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{24}$"}},
   "fileId": {"name": "fileId", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{24}$"}},
   "revision": {"name": "revision", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 999999999}},
   "tenantId": {"name": "tenantId", "in": "query", "schema": {"type": "string", "minLength": 1}},
   "includeTenantId": {"name": "includeTenantId", "in": "query", "schema": {"type": "string", "minLength": 1}},
   "type": {"name": "type", "in": "query", "schema": {"type": "string", "minLength": 1}},
   "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000000, "default": 1}},
   "perPage": {"name": "perPage", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}},
   "after": {"name": "after", "in": "query", "description": "The X-Next-After header of the previous page: pages by key, so every page costs the same (page is then ignored).", "schema": {"type": "string", "pattern": "^([0-9a-f]{2})+$"}},
  },
  "responses": {
   "Error": {"description": "The request failed; nothing was changed.", "content": {"application/json": {"schema": ref("Error")}}},
   "OAuthError": {"description": "The token request failed (RFC 6749 section 5.2).", "content": {"application/json": {"schema": ref("OAuthError")}}},
  },
  "schemas": {
   "Error": {"type": "object", "required": ["statusCode", "error", "code", "message"], "properties": {
       "statusCode": {"type": "integer"}, "error": {"type": "string"},
       "code": {"type": "string", "enum": ["invalid", "notFound", "unauthorized", "forbidden", "conflict", "tooLarge", "unsupportedMediaType", "methodNotAllowed", "storage"]},
       "message": {"type": "string"}}},
   "OAuthError": {"type": "object", "required": ["error", "error_description", "statusCode", "message"], "properties": {
       "error": {"type": "string", "enum": ["invalid_request", "invalid_client", "unsupported_grant_type"]}, "error_description": {"type": "string"}, "statusCode": {"type": "integer"}, "message": {"type": "string"}}},
   "TokenRequest": {"type": "object", "required": ["grant_type"], "properties": {"grant_type": {"const": "client_credentials"}, "client_id": {"type": "string"}, "client_secret": {"type": "string"}}},
   "AccessToken": {"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_in": {"type": "integer", "minimum": 1}}},
   "ConsoleVersion": {"type": "object", "required": ["version", "major", "minor"], "properties": {"version": {"type": "string"}, "major": {"type": "string"}, "minor": {"type": "string"}}},
   "Item": {"type": "object", "description": "A Mia-Platform Marketplace sidecar item (schemas/mia-sidecar-item.standard.schema.json), with its object id.",
            "required": ["_id", "itemId", "name", "tenantId", "resources"],
            "properties": {"_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"}, "itemId": {"type": "string"}, "name": {"type": "string"}, "tenantId": {"type": "string"}, "type": {"type": "string"}, "resources": {"type": "object"}},
            "additionalProperties": True},
   "ApplyRequest": {"type": "object", "required": ["resources"], "properties": {"resources": {"type": "array", "maxItems": 10000, "items": {"type": "object"}}}},
   "Message": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}, "path": {"type": "string"}, "line": {"type": "integer"}, "column": {"type": "integer"}}},
   "ApplyItemOutcome": {"type": "object", "required": ["done", "inserted", "updated", "unchanged", "validationErrors", "errors"],
       "description": "inserted: created; updated: changed or unchanged (as the Marketplace, which upserts, answers; miactl prints neither as UNKNOWN); unchanged and status tell them apart. errors and validationErrors carry the same messages (miactl catalog reads errors, miactl marketplace validationErrors).",
       "properties": {"_id": {"type": "string"}, "itemId": {"type": "string"}, "done": {"type": "boolean"}, "inserted": {"type": "boolean"}, "updated": {"type": "boolean"}, "unchanged": {"type": "boolean"},
                      "status": {"type": "string", "enum": ["Created", "Updated", "Unchanged"]},
                      "validationErrors": {"type": "array", "items": ref("Message")}, "errors": {"type": "array", "items": ref("Message")}}},
   "ApplyResponse": {"type": "object", "required": ["done", "items"], "properties": {"done": {"type": "boolean"}, "items": {"type": "array", "items": ref("ApplyItemOutcome")}}},
   "Release": {"type": "object", "required": ["_id", "itemId", "version", "name", "description"], "description": "miactl's marketplace.Release: version is a string.",
               "properties": {"_id": {"type": "string"}, "itemId": {"type": "string"}, "version": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"}}},
   "RevisionEntry": {"type": "object", "required": ["revision", "action", "actor", "at", "changes"], "properties": {"revision": {"type": "integer"}, "action": {"type": "string", "enum": ["created", "updated", "restored", "deleted"]}, "actor": {"type": "string"}, "at": {"type": "string", "format": "date-time"}, "changes": {"type": "array", "items": {"type": "string"}}}},
   "RestoreRequest": {"type": "object", "required": ["revision"], "properties": {"revision": {"type": "integer", "minimum": 1}}},
   "ImageUpload": {"type": "object", "required": ["marketplace_image"], "properties": {"marketplace_image": {"type": "string", "contentMediaType": "image/png"}, "itemId": {"type": "string"}, "assetType": {"type": "string", "enum": ["imageAssetType", "supportedByImageAssetType"]}, "tenantId": {"type": "string"}, "version": {"type": "string"}}},
   "UploadedFile": {"type": "object", "required": ["_id", "name", "file", "size", "location"], "properties": {"_id": {"type": "string"}, "name": {"type": "string"}, "file": {"type": "string"}, "size": {"type": "integer"}, "location": {"type": "string"}}},
  }
 }
}
text = json.dumps(doc, indent=2)
open(root + "/schemas/catalog-openapi.json", "w").write(text + "\n")
indented = "\n".join(("        " + line) if line else line for line in text.split("\n"))
swift = '/// The OpenAPI description of the catalog API, served at `/openapi.json`. Generated from\n/// scripts/catalog/openapi.py into schemas/catalog-openapi.json; a test checks the two agree.\nenum CatalogOpenAPI {\n    static let document = #"""\n' + indented + '\n        """#\n}\n'
open(root + "/Sources/TandemCatalogServer/CatalogOpenAPI.swift", "w").write(swift)
