// Starts Swagger UI on /api/docs. A browser session's unsafe requests carry the CSRF token;
// requests with a bearer token do not need it.
const settings = JSON.parse(document.getElementById("swagger-settings").textContent);
const csrfToken = document.body.dataset.csrfToken;

settings.dom_id = "#swagger-ui";
settings.presets = [SwaggerUIBundle.presets.apis];
settings.requestInterceptor = (request) => {
  if (csrfToken && !request.headers.Authorization) {
    request.headers["X-CSRFToken"] = csrfToken;
  }
  return request;
};

window.ui = SwaggerUIBundle(settings);
