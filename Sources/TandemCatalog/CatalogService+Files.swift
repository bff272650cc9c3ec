/// Images uploaded for items, as miactl uploads `image.localPath` and `supportedByImage.localPath` before
/// it applies an item (`multipart/form-data`, the file in the part `marketplace_image`).
extension CatalogService {
    public func uploadImage(body: [UInt8], contentType: String?, company: String, caller: Caller) async throws -> CatalogAPI.UploadedFile {
        try require(caller, .publish, company: company)
        guard let contentType, mediaType(contentType) == "multipart/form-data", let boundary = headerParameter(contentType, "boundary") else {
            throw CatalogError(.unsupportedMediaType, "an image is uploaded as multipart/form-data with a boundary")
        }
        let form = try MultipartForm(body: body, boundary: boundary)
        guard let file = form.part("marketplace_image") else {
            throw CatalogError(.invalid, "the form has no file in the part marketplace_image")
        }
        guard file.body.count <= StoredFile.maxBytes else {
            throw CatalogError(.tooLarge, "the image is \(file.body.count) bytes; the largest accepted is \(StoredFile.maxBytes)")
        }
        guard let type = StoredFile.imageType(of: file.body) else {
            throw CatalogError(.invalid, "the file must be a jpeg or png image")
        }
        if let tenant = form.field("tenantId"), tenant != company {
            throw CatalogError(.invalid, "tenantId \"\(QueryParameters.shown(tenant))\" is not the company of the path (\(company))")
        }
        let original = file.filename.map { String($0.split(separator: "/").last ?? "") } ?? ""
        let fileId = TokenSecret.randomHex(12)
        let stored = StoredFile(
            fileId: fileId, tenantId: company, name: original.isEmpty ? "image" : String(original.prefix(200)), contentType: type, bytes: file.body,
            createdAt: now())
        try await store.addFile(stored)
        let extensionName = type == "image/png" ? "png" : "jpg"
        return CatalogAPI.UploadedFile(
            _id: fileId, name: stored.name, file: "\(fileId).\(extensionName)", size: file.body.count,
            location: CatalogRoutes.getFile.path(company, fileId))
    }

    /// An uploaded image; no token needed (it is shown wherever its item is, and its id is 96 random bits).
    public func image(company: String, fileId: String) async throws -> StoredFile {
        guard let file = try await store.file(id: fileId), file.tenantId == company else { throw CatalogError(.notFound, "file not found: \(fileId)") }
        return file
    }
}
