// The API docs page: renders /api/openapi.json with no library and nothing from
// another origin (the CSP allows scripts and requests to this server only).
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function refName(ref) {
  return ref.split("/").pop();
}

function resolve(spec, schema) {
  return schema && schema.$ref ? spec.components.schemas[refName(schema.$ref)] : schema;
}

// A schema as a short type: "string", "integer | null", "list[Hit]", "Article".
function typeOf(schema) {
  if (!schema) return "any";
  if (schema.$ref) return refName(schema.$ref);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  if (schema.type === "array") return `list[${typeOf(schema.items)}]`;
  if (schema.type === "object" && schema.additionalProperties) {
    return `dict[string, ${typeOf(schema.additionalProperties)}]`;
  }
  return schema.type || "any";
}

function fieldsTable(spec, schema, labels) {
  const resolved = resolve(spec, schema);
  if (!resolved || !resolved.properties) return el("p", { class: "type" }, typeOf(schema));
  const required = new Set(resolved.required || []);
  const rows = Object.entries(resolved.properties).map(([name, prop]) =>
    el("tr", {},
      el("td", {}, el("code", {}, name), required.has(name) ? " *" : ""),
      el("td", {}, el("code", {}, typeOf(prop))),
      el("td", {}, prop.description || "")));
  return el("table", { class: "fields" },
    el("thead", {}, el("tr", {}, ...labels.map((l) => el("th", {}, l)))),
    el("tbody", {}, ...rows));
}

function example(spec, schema) {
  const resolved = resolve(spec, schema);
  const found = resolved && (resolved.examples || [])[0];
  return found === undefined ? null : el("pre", { class: "example" }, JSON.stringify(found, null, 2));
}

function endpoint(spec, path, method, op, labels) {
  const section = el("section", { class: "endpoint", id: `${method}-${path}` },
    el("h2", {}, el("span", { class: `method ${method}` }, method.toUpperCase()), " ", el("code", {}, path)),
    el("p", { class: "summary" }, op.summary || ""),
    op.description ? el("p", { class: "note" }, op.description) : null);
  const params = op.parameters || [];
  if (params.length) {
    section.append(el("h3", {}, labels.parameters));
    section.append(el("table", { class: "fields" },
      el("thead", {}, el("tr", {}, ...labels.paramColumns.map((l) => el("th", {}, l)))),
      el("tbody", {}, ...params.map((p) => el("tr", {},
        el("td", {}, el("code", {}, p.name), p.required ? " *" : ""),
        el("td", {}, p.in),
        el("td", {}, el("code", {}, typeOf(p.schema))),
        el("td", {}, p.description || (p.schema && p.schema.description) || ""))))));
  }
  const body = op.requestBody && op.requestBody.content["application/json"];
  if (body) {
    section.append(el("h3", {}, labels.body));
    section.append(fieldsTable(spec, body.schema, labels.fieldColumns));
  }
  section.append(el("h3", {}, labels.responses));
  for (const [status, response] of Object.entries(op.responses || {})) {
    const content = response.content && response.content["application/json"];
    const schema = content && content.schema;
    section.append(el("h4", {}, `${status} · ${response.description || ""}`,
      schema ? el("code", {}, ` → ${typeOf(schema)}`) : null));
    if (schema && status.startsWith("2")) {
      section.append(fieldsTable(spec, schema, labels.fieldColumns));
      const shown = example(spec, schema);
      if (shown) section.append(el("h5", {}, labels.example), shown);
    }
  }
  return section;
}

document.addEventListener("DOMContentLoaded", async () => {
  const target = document.getElementById("endpoints");
  if (!target) return;
  const labels = JSON.parse(document.getElementById("api-labels").textContent);
  try {
    const response = await fetch(target.dataset.spec);
    const spec = await response.json();
    const index = el("ul", { class: "toc" });
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        index.append(el("li", {}, el("a", { href: `#${method}-${path}` },
          `${method.toUpperCase()} ${path}`), " ", op.summary || ""));
        target.append(endpoint(spec, path, method, op, labels));
      }
    }
    target.prepend(index);
  } catch (error) {
    target.append(el("p", { class: "error" }, `${labels.failed} ${error}`));
  }
});
