/// The OpenAPI description of the catalog API, served at `/openapi.json`. Generated from
/// scripts/catalog/openapi.py into schemas/catalog-openapi.json; a test checks the two agree.
enum CatalogOpenAPI {
    static let document = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Tandem catalog",
            "version": "1.0.0",
            "description": "A Marketplace of sidecar items per company, with the routes miactl's `marketplace` commands call, revisions, and bearer tokens per company with roles (read, publish, admin)."
          },
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {
            "/health": {
              "get": {
                "summary": "Liveness of the server",
                "operationId": "health",
                "parameters": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "status": {
                              "type": "string"
                            }
                          },
                          "required": [
                            "status"
                          ]
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This description",
                "operationId": "openapi",
                "parameters": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/backend/marketplace": {
              "get": {
                "summary": "List a company's items (tenantId) or them and the items other companies share (includeTenantId)",
                "operationId": "listItems",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/tenantId"
                  },
                  {
                    "$ref": "#/components/parameters/includeTenantId"
                  },
                  {
                    "$ref": "#/components/parameters/type"
                  },
                  {
                    "$ref": "#/components/parameters/page"
                  },
                  {
                    "$ref": "#/components/parameters/perPage"
                  },
                  {
                    "$ref": "#/components/parameters/after"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/Item"
                          }
                        }
                      }
                    },
                    "headers": {
                      "X-Next-After": {
                        "description": "Set on a full page: the cursor of the next one.",
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/{objectId}": {
              "get": {
                "summary": "Get an item by object id (a public item needs no token)",
                "operationId": "getItemByObjectId",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/objectId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources": {
              "post": {
                "summary": "Apply a batch of items: each is created, updated or left unchanged; invalid ones are reported and not stored",
                "operationId": "applyItems",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ApplyResponse"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/ApplyRequest"
                      }
                    }
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{itemId}/versions": {
              "get": {
                "summary": "List the versions of an item",
                "operationId": "listVersions",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/itemId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/VersionEntry"
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{itemId}/versions/{version}": {
              "get": {
                "summary": "Get an item by item id and version (N/A for a sidecar)",
                "operationId": "getItemByVersion",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/itemId"
                  },
                  {
                    "$ref": "#/components/parameters/version"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              },
              "delete": {
                "summary": "Delete an item by item id and version",
                "operationId": "deleteItemByVersion",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/itemId"
                  },
                  {
                    "$ref": "#/components/parameters/version"
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{objectId}": {
              "delete": {
                "summary": "Delete an item by object id",
                "operationId": "deleteItem",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/objectId"
                  }
                ],
                "responses": {
                  "204": {
                    "description": "Deleted"
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{objectId}/history": {
              "get": {
                "summary": "The revisions of an item, oldest first",
                "operationId": "itemHistory",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/objectId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "array",
                          "items": {
                            "$ref": "#/components/schemas/RevisionEntry"
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{objectId}/history/{revision}": {
              "get": {
                "summary": "An item as it was at one revision",
                "operationId": "itemRevision",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/objectId"
                  },
                  {
                    "$ref": "#/components/parameters/revision"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Item"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/resources/{objectId}/restore": {
              "post": {
                "summary": "Make an earlier revision current again, as a new revision",
                "operationId": "restoreItem",
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/objectId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ApplyItemOutcome"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/RestoreRequest"
                      }
                    }
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token made with `tandem catalog token create`."
              }
            },
            "parameters": {
              "companyId": {
                "name": "companyId",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "itemId": {
                "name": "itemId",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "version": {
                "name": "version",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "objectId": {
                "name": "objectId",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9a-f]{24}$"
                }
              },
              "revision": {
                "name": "revision",
                "in": "path",
                "required": true,
                "schema": {
                  "type": "integer",
                  "minimum": 1
                }
              },
              "tenantId": {
                "name": "tenantId",
                "in": "query",
                "schema": {
                  "type": "string"
                }
              },
              "includeTenantId": {
                "name": "includeTenantId",
                "in": "query",
                "schema": {
                  "type": "string"
                }
              },
              "type": {
                "name": "type",
                "in": "query",
                "schema": {
                  "type": "string"
                }
              },
              "page": {
                "name": "page",
                "in": "query",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "default": 1
                }
              },
              "perPage": {
                "name": "perPage",
                "in": "query",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 1000,
                  "default": 200
                }
              },
              "after": {
                "name": "after",
                "in": "query",
                "description": "The X-Next-After header of the previous page: pages by key, so every page costs the same (page is then ignored).",
                "schema": {
                  "type": "string",
                  "pattern": "^([0-9a-f]{2})+$"
                }
              }
            },
            "responses": {
              "Error": {
                "description": "The request failed; nothing was changed.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "code",
                  "message"
                ],
                "properties": {
                  "code": {
                    "type": "string",
                    "enum": [
                      "invalid",
                      "notFound",
                      "unauthorized",
                      "forbidden",
                      "conflict",
                      "tooLarge",
                      "storage"
                    ]
                  },
                  "message": {
                    "type": "string"
                  }
                }
              },
              "Item": {
                "type": "object",
                "description": "A Mia-Platform Marketplace sidecar item (schemas/mia-sidecar-item.schema.json), with its object id.",
                "required": [
                  "_id",
                  "itemId",
                  "name",
                  "tenantId",
                  "resources"
                ],
                "properties": {
                  "_id": {
                    "type": "string",
                    "pattern": "^[0-9a-f]{24}$"
                  },
                  "itemId": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "tenantId": {
                    "type": "string"
                  },
                  "type": {
                    "type": "string"
                  },
                  "resources": {
                    "type": "object"
                  }
                },
                "additionalProperties": true
              },
              "ApplyRequest": {
                "type": "object",
                "required": [
                  "resources"
                ],
                "properties": {
                  "resources": {
                    "type": "array",
                    "maxItems": 10000,
                    "items": {
                      "type": "object"
                    }
                  }
                }
              },
              "Message": {
                "type": "object",
                "required": [
                  "message"
                ],
                "properties": {
                  "message": {
                    "type": "string"
                  },
                  "path": {
                    "type": "string"
                  },
                  "line": {
                    "type": "integer"
                  },
                  "column": {
                    "type": "integer"
                  }
                }
              },
              "ApplyItemOutcome": {
                "type": "object",
                "required": [
                  "done",
                  "inserted",
                  "updated",
                  "unchanged",
                  "validationErrors",
                  "errors"
                ],
                "properties": {
                  "_id": {
                    "type": "string"
                  },
                  "itemId": {
                    "type": "string"
                  },
                  "done": {
                    "type": "boolean"
                  },
                  "inserted": {
                    "type": "boolean"
                  },
                  "updated": {
                    "type": "boolean"
                  },
                  "unchanged": {
                    "type": "boolean"
                  },
                  "status": {
                    "type": "string",
                    "enum": [
                      "Created",
                      "Updated",
                      "Unchanged"
                    ]
                  },
                  "validationErrors": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Message"
                    }
                  },
                  "errors": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Message"
                    }
                  }
                }
              },
              "ApplyResponse": {
                "type": "object",
                "required": [
                  "done",
                  "items"
                ],
                "properties": {
                  "done": {
                    "type": "boolean"
                  },
                  "items": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/ApplyItemOutcome"
                    }
                  }
                }
              },
              "VersionEntry": {
                "type": "object",
                "required": [
                  "_id",
                  "itemId",
                  "name",
                  "description",
                  "version"
                ],
                "properties": {
                  "_id": {
                    "type": "string"
                  },
                  "itemId": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string"
                  },
                  "version": {
                    "type": "object",
                    "required": [
                      "name"
                    ],
                    "properties": {
                      "name": {
                        "type": "string"
                      }
                    }
                  }
                }
              },
              "RevisionEntry": {
                "type": "object",
                "required": [
                  "revision",
                  "action",
                  "actor",
                  "at",
                  "changes"
                ],
                "properties": {
                  "revision": {
                    "type": "integer"
                  },
                  "action": {
                    "type": "string",
                    "enum": [
                      "created",
                      "updated",
                      "restored",
                      "deleted"
                    ]
                  },
                  "actor": {
                    "type": "string"
                  },
                  "at": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "changes": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                }
              },
              "RestoreRequest": {
                "type": "object",
                "required": [
                  "revision"
                ],
                "properties": {
                  "revision": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              }
            }
          }
        }
        """#
}
