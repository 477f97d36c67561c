/* While the server answers 503 (database unavailable), show a banner; hide it when a request succeeds. */
(function () {
  const original = window.fetch;
  function banner(show, text) {
    let el = document.getElementById("db-unavailable");
    if (!el && show) {
      el = document.createElement("div");
      el.id = "db-unavailable";
      el.setAttribute("role", "alert");
      el.className = "alert alert-warning m-0 rounded-0 text-center";
      document.body.prepend(el);
    }
    if (el) {
      el.textContent = text || "";
      el.style.display = show ? "" : "none";
    }
  }
  window.fetch = async function (...args) {
    const response = await original.apply(this, args);
    if (String(args[0]).includes("_dash-")) {
      if (response.status === 503) {
        banner(true, "Database unavailable: r2pwatch cannot reach its database right now. Retrying by itself.");
      } else if (response.ok) {
        banner(false);
      }
    }
    return response;
  };
})();
