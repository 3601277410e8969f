// Swagger UI on the gateway's merged document, from local files only (no CDN, no external validator).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayOperationId: true, // the document leaves out summaries that only repeat it (gateway/openapi_compact.py)
  validatorUrl: null,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
