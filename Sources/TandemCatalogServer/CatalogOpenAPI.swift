/// The OpenAPI description of the catalog API, served at `/openapi.json`. Generated from
/// scripts/catalog/openapi.py into schemas/catalog-openapi.json; a test checks the two agree.
enum CatalogOpenAPI {
    static let document = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Tandem catalog",
            "version": "2.0.0",
            "description": "A Marketplace of sidecar items per company. It serves the routes of both of miactl's command families (`miactl marketplace`: /api/backend/marketplace; `miactl catalog`, Console v14: /api/tenants/{companyId}/marketplace and /api/marketplace), the service-account token exchange miactl performs, image uploads, revisions and restore. Tokens and service accounts belong to one company and have a role (read, publish, admin)."
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
                "tags": [
                  "server"
                ],
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
                "tags": [
                  "server"
                ],
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
            "/api/version": {
              "get": {
                "summary": "The Console version whose API this catalog serves (miactl's catalog commands need 14.0 or later)",
                "operationId": "consoleVersion",
                "tags": [
                  "server"
                ],
                "parameters": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/ConsoleVersion"
                        }
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/m2m/oauth/token": {
              "post": {
                "summary": "Exchange a service account's client id and secret (HTTP Basic, or client_id and client_secret in the form) for an access token (OAuth 2 client credentials)",
                "operationId": "serviceAccountToken",
                "tags": [
                  "auth"
                ],
                "parameters": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AccessToken"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/OAuthError"
                  },
                  "401": {
                    "$ref": "#/components/responses/OAuthError"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/x-www-form-urlencoded": {
                      "schema": {
                        "$ref": "#/components/schemas/TokenRequest"
                      }
                    }
                  }
                },
                "security": []
              }
            },
            "/api/backend/marketplace/": {
              "get": {
                "summary": "List a company's items (tenantId) or them and the items other companies share (includeTenantId)",
                "operationId": "listItems",
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                  },
                  "415": {
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
                    },
                    "application/yaml": {
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
                "tags": [
                  "marketplace"
                ],
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
                            "$ref": "#/components/schemas/Release"
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
                "summary": "Get an item by item id and version (N/A for a sidecar, escaped or not)",
                "operationId": "getItemByVersion",
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                "tags": [
                  "marketplace"
                ],
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
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
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
                    },
                    "application/yaml": {
                      "schema": {
                        "$ref": "#/components/schemas/RestoreRequest"
                      }
                    }
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/files": {
              "post": {
                "summary": "Upload an item's image (PNG or JPEG, at most 2 MiB) as miactl does before applying the item; the answer's location is its imageUrl",
                "operationId": "uploadImage",
                "tags": [
                  "marketplace"
                ],
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
                          "$ref": "#/components/schemas/UploadedFile"
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
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "multipart/form-data": {
                      "schema": {
                        "$ref": "#/components/schemas/ImageUpload"
                      }
                    }
                  }
                }
              }
            },
            "/api/backend/marketplace/tenants/{companyId}/files/{fileId}": {
              "get": {
                "summary": "An uploaded image (no token needed: it is shown wherever its item is, and its id is 96 random bits)",
                "operationId": "getImage",
                "tags": [
                  "marketplace"
                ],
                "security": [],
                "parameters": [
                  {
                    "$ref": "#/components/parameters/companyId"
                  },
                  {
                    "$ref": "#/components/parameters/fileId"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The image",
                    "content": {
                      "image/png": {
                        "schema": {
                          "type": "string",
                          "contentMediaType": "image/png"
                        }
                      },
                      "image/jpeg": {
                        "schema": {
                          "type": "string",
                          "contentMediaType": "image/jpeg"
                        }
                      }
                    }
                  },
                  "404": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/marketplace/": {
              "get": {
                "summary": "List a company's items, miactl catalog's route (the same as listItems)",
                "operationId": "catalogListItems",
                "tags": [
                  "catalog"
                ],
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
            "/api/tenants/{companyId}/marketplace/items": {
              "post": {
                "summary": "Apply a batch of items, miactl catalog's route (the same as applyItems; miactl reads errors)",
                "operationId": "catalogApplyItems",
                "tags": [
                  "catalog"
                ],
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
                  },
                  "415": {
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
                    },
                    "application/yaml": {
                      "schema": {
                        "$ref": "#/components/schemas/ApplyRequest"
                      }
                    }
                  }
                }
              }
            },
            "/api/tenants/{companyId}/marketplace/items/{itemId}/versions": {
              "get": {
                "summary": "List the versions of an item, miactl catalog's route",
                "operationId": "catalogListVersions",
                "tags": [
                  "catalog"
                ],
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
                            "$ref": "#/components/schemas/Release"
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
            "/api/tenants/{companyId}/marketplace/items/{itemId}/versions/{version}": {
              "get": {
                "summary": "Get an item by item id and version, miactl catalog's route",
                "operationId": "catalogGetItem",
                "tags": [
                  "catalog"
                ],
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
                "summary": "Delete an item by item id and version, miactl catalog's route",
                "operationId": "catalogDeleteItem",
                "tags": [
                  "catalog"
                ],
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
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "A token made with `tandem catalog token create`, or an access token from /api/m2m/oauth/token."
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
                "description": "N/A for a sidecar; miactl sends it unescaped (versions/N/A), which is accepted as is N%2FA.",
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
              "fileId": {
                "name": "fileId",
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
                  "minimum": 1,
                  "maximum": 999999999
                }
              },
              "tenantId": {
                "name": "tenantId",
                "in": "query",
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "includeTenantId": {
                "name": "includeTenantId",
                "in": "query",
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "type": {
                "name": "type",
                "in": "query",
                "schema": {
                  "type": "string",
                  "minLength": 1
                }
              },
              "page": {
                "name": "page",
                "in": "query",
                "schema": {
                  "type": "integer",
                  "minimum": 1,
                  "maximum": 10000000,
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
              },
              "OAuthError": {
                "description": "The token request failed (RFC 6749 section 5.2).",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/OAuthError"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "statusCode",
                  "error",
                  "code",
                  "message"
                ],
                "properties": {
                  "statusCode": {
                    "type": "integer"
                  },
                  "error": {
                    "type": "string"
                  },
                  "code": {
                    "type": "string",
                    "enum": [
                      "invalid",
                      "notFound",
                      "unauthorized",
                      "forbidden",
                      "conflict",
                      "tooLarge",
                      "unsupportedMediaType",
                      "methodNotAllowed",
                      "storage"
                    ]
                  },
                  "message": {
                    "type": "string"
                  }
                }
              },
              "OAuthError": {
                "type": "object",
                "required": [
                  "error",
                  "error_description",
                  "statusCode",
                  "message"
                ],
                "properties": {
                  "error": {
                    "type": "string",
                    "enum": [
                      "invalid_request",
                      "invalid_client",
                      "unsupported_grant_type"
                    ]
                  },
                  "error_description": {
                    "type": "string"
                  },
                  "statusCode": {
                    "type": "integer"
                  },
                  "message": {
                    "type": "string"
                  }
                }
              },
              "TokenRequest": {
                "type": "object",
                "required": [
                  "grant_type"
                ],
                "properties": {
                  "grant_type": {
                    "const": "client_credentials"
                  },
                  "client_id": {
                    "type": "string"
                  },
                  "client_secret": {
                    "type": "string"
                  }
                }
              },
              "AccessToken": {
                "type": "object",
                "required": [
                  "access_token",
                  "token_type",
                  "expires_in"
                ],
                "properties": {
                  "access_token": {
                    "type": "string"
                  },
                  "token_type": {
                    "const": "Bearer"
                  },
                  "expires_in": {
                    "type": "integer",
                    "minimum": 1
                  }
                }
              },
              "ConsoleVersion": {
                "type": "object",
                "required": [
                  "version",
                  "major",
                  "minor"
                ],
                "properties": {
                  "version": {
                    "type": "string"
                  },
                  "major": {
                    "type": "string"
                  },
                  "minor": {
                    "type": "string"
                  }
                }
              },
              "Item": {
                "type": "object",
                "description": "A Mia-Platform Marketplace sidecar item (schemas/mia-sidecar-item.standard.schema.json), with its object id.",
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
                "description": "inserted: created; updated: changed or unchanged (as the Marketplace, which upserts, answers; miactl prints neither as UNKNOWN); unchanged and status tell them apart. errors and validationErrors carry the same messages (miactl catalog reads errors, miactl marketplace validationErrors).",
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
              "Release": {
                "type": "object",
                "required": [
                  "_id",
                  "itemId",
                  "version",
                  "name",
                  "description"
                ],
                "description": "miactl's marketplace.Release: version is a string.",
                "properties": {
                  "_id": {
                    "type": "string"
                  },
                  "itemId": {
                    "type": "string"
                  },
                  "version": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "description": {
                    "type": "string"
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
              },
              "ImageUpload": {
                "type": "object",
                "required": [
                  "marketplace_image"
                ],
                "properties": {
                  "marketplace_image": {
                    "type": "string",
                    "contentMediaType": "image/png"
                  },
                  "itemId": {
                    "type": "string"
                  },
                  "assetType": {
                    "type": "string",
                    "enum": [
                      "imageAssetType",
                      "supportedByImageAssetType"
                    ]
                  },
                  "tenantId": {
                    "type": "string"
                  },
                  "version": {
                    "type": "string"
                  }
                }
              },
              "UploadedFile": {
                "type": "object",
                "required": [
                  "_id",
                  "name",
                  "file",
                  "size",
                  "location"
                ],
                "properties": {
                  "_id": {
                    "type": "string"
                  },
                  "name": {
                    "type": "string"
                  },
                  "file": {
                    "type": "string"
                  },
                  "size": {
                    "type": "integer"
                  },
                  "location": {
                    "type": "string"
                  }
                }
              }
            }
          }
        }
        """#
}
