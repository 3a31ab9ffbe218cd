import { initAll } from "../govuk-frontend-5.11.0/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
