// ReDoc on the gateway's merged document, from local files only (fonts: the system's, no web fonts).
Redoc.init(
  "/openapi.json",
  {
    hideDownloadButton: false,
    theme: { typography: { fontFamily: "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif", headings: { fontFamily: "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" } } },
  },
  document.getElementById("redoc"),
);
