package dev.tandem.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Admits a custom resource the way the Kubernetes API server would with this CRD: object name
 * rules, schema defaulting, unknown fields (kubectl's strict field validation), the OpenAPI v3
 * schema, and the CEL rules ({@code x-kubernetes-validations}, transition rules included).
 * Messages follow kubectl's "The Kind "name" is invalid: path: message" shape. The sandbox uses
 * it too, in front of the mock API server, which validates nothing.
 */
public final class ApiServerAdmission {

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .addCompilerLibraries(CelExtensions.strings())
          .addRuntimeLibraries(CelExtensions.strings())
          .build();

  private final String kind;
  private final JsonNode openApiSchema;
  private final Schema jsonSchema;
  /** By expression. */
  private final Map<String, CelRuntime.Program> programs;

  private ApiServerAdmission(String kind, JsonNode openApiSchema) {
    this.kind = kind;
    this.openApiSchema = openApiSchema;
    this.programs = compile(openApiSchema);
    this.jsonSchema =
        SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(openApiSchema.toString(), InputFormat.JSON);
  }

  /** Reads the first served version's schema of a CRD file. */
  public static ApiServerAdmission forCrd(Path crdFile) {
    try {
      JsonNode crd = new YAMLMapper().readTree(Files.readString(crdFile));
      String kind = crd.at("/spec/names/kind").asText();
      return new ApiServerAdmission(kind, crd.at("/spec/versions/0/schema/openAPIV3Schema"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The result of admitting an object: the defaulted object, or why it was refused. */
  public record Verdict(JsonNode admitted, List<String> errors) {
    public boolean accepted() {
      return errors.isEmpty();
    }
  }

  public Verdict create(JsonNode object) {
    return admit(object, Optional.empty());
  }

  public Verdict update(JsonNode oldObject, JsonNode newObject) {
    return admit(newObject, Optional.of(applyDefaults(oldObject.deepCopy(), openApiSchema)));
  }

  private Verdict admit(JsonNode input, Optional<JsonNode> old) {
    JsonNode object = applyDefaults(input.deepCopy(), openApiSchema);
    String name = object.at("/metadata/name").asText("");
    var errors = new ArrayList<String>();
    if (name.isEmpty()) {
      errors.add("metadata.name: Required value: name or generateName is required");
    } else if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
      errors.add(
          "metadata.name: Invalid value: \"" + name + "\": a lowercase RFC 1123 subdomain must"
              + " consist of lower case alphanumeric characters, '-' or '.', and must start and"
              + " end with an alphanumeric character");
    }
    unknownFields(object, openApiSchema, "", errors);
    for (var error : jsonSchema.validate(object.toString(), InputFormat.JSON)) {
      String path = error.getInstanceLocation().toString().replaceFirst("^/", "").replace('/', '.');
      errors.add(path + ": Invalid value: " + error.getMessage());
    }
    if (errors.isEmpty()) {
      // Like the API server, CEL rules run only on an object that fits the schema.
      celRules(object, old.orElse(null), openApiSchema, "", errors);
    }
    List<String> messages =
        errors.stream()
            .map(e -> "The " + kind + " \"" + name + "\" is invalid: " + e)
            .toList();
    return new Verdict(object, messages);
  }

  private static JsonNode applyDefaults(JsonNode node, JsonNode schema) {
    if (node instanceof ObjectNode object) {
      JsonNode properties = schema.get("properties");
      if (properties != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
          var property = it.next();
          JsonNode value = object.get(property.getKey());
          if (value == null && property.getValue().has("default")) {
            object.set(property.getKey(), property.getValue().get("default").deepCopy());
          } else if (value != null) {
            applyDefaults(value, property.getValue());
          }
        }
      }
      JsonNode additional = schema.get("additionalProperties");
      if (additional != null && additional.isObject()) {
        object.fields().forEachRemaining(e -> applyDefaults(e.getValue(), additional));
      }
    } else if (node != null && node.isArray() && schema.has("items")) {
      node.forEach(item -> applyDefaults(item, schema.get("items")));
    }
    return node;
  }

  private static void unknownFields(JsonNode node, JsonNode schema, String path, List<String> errors) {
    if (schema == null || schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      return;
    }
    if (node.isObject()) {
      JsonNode properties = schema.get("properties");
      JsonNode additional = schema.get("additionalProperties");
      node.fields()
          .forEachRemaining(
              field -> {
                String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (properties != null && properties.has(field.getKey())) {
                  unknownFields(field.getValue(), properties.get(field.getKey()), child, errors);
                } else if (additional != null && additional.isObject()) {
                  unknownFields(field.getValue(), additional, child, errors);
                } else if (!(path.isEmpty() && List.of("apiVersion", "kind", "metadata").contains(field.getKey()))
                    && properties != null) {
                  errors.add(child + ": unknown field \"" + child + "\"");
                }
              });
    } else if (node.isArray() && schema.has("items")) {
      for (int i = 0; i < node.size(); i++) {
        unknownFields(node.get(i), schema.get("items"), path + "[" + i + "]", errors);
      }
    }
  }

  private void celRules(
      JsonNode node, JsonNode old, JsonNode schema, String path, List<String> errors) {
    if (node == null || node.isNull() || schema == null) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.get("rule").asText();
      boolean transition = expression.contains("oldSelf");
      if (transition && old == null) {
        continue;
      }
      Map<String, Object> vars = new HashMap<>();
      vars.put("self", toCel(node));
      if (old != null) {
        vars.put("oldSelf", toCel(old));
      }
      String where = path.isEmpty() ? "<nil>" : path;
      try {
        Object result = evaluate(expression, vars);
        if (!Boolean.TRUE.equals(result)) {
          errors.add(where + ": Invalid value: \"object\": " + message(rule, vars, expression));
        }
      } catch (CelEvaluationException e) {
        errors.add(where + ": Invalid value: \"object\": " + message(rule, vars, expression));
      }
    }
    JsonNode properties = schema.get("properties");
    if (node.isObject() && properties != null) {
      properties
          .fields()
          .forEachRemaining(
              property ->
                  celRules(
                      node.get(property.getKey()),
                      old == null ? null : old.get(property.getKey()),
                      property.getValue(),
                      path.isEmpty() ? property.getKey() : path + "." + property.getKey(),
                      errors));
    }
    JsonNode additional = schema.get("additionalProperties");
    if (node.isObject() && additional != null && additional.isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  celRules(
                      e.getValue(),
                      old == null ? null : old.get(e.getKey()),
                      additional,
                      path + "." + e.getKey(),
                      errors));
    }
    if (node.isArray() && schema.has("items")) {
      for (int i = 0; i < node.size(); i++) {
        // Transition rules on list items need a list-map key to pair items; this CRD has none.
        celRules(node.get(i), null, schema.get("items"), path + "[" + i + "]", errors);
      }
    }
  }

  private String message(JsonNode rule, Map<String, Object> vars, String expression) {
    if (rule.has("messageExpression")) {
      try {
        return String.valueOf(evaluate(rule.get("messageExpression").asText(), vars));
      } catch (CelEvaluationException e) {
        // The API server falls back to the static message when the expression fails.
      }
    }
    return rule.has("message") ? rule.get("message").asText() : "failed rule: " + expression;
  }

  private Object evaluate(String expression, Map<String, Object> vars) throws CelEvaluationException {
    var program = programs.get(expression);
    if (program == null) {
      throw new IllegalStateException("no compiled program for " + expression + ": the schema walk in compile() missed it");
    }
    return program.eval(vars);
  }

  /**
   * Every rule and message expression of the schema, compiled once here. Compiling on first use
   * cost 5 to 8 s of a cold JVM in the sandbox, on the API server's event loop, which stalled
   * every other connection served by that loop (Vert.x's blocked-thread warnings showed it).
   */
  private static Map<String, CelRuntime.Program> compile(JsonNode schema) {
    var programs = new HashMap<String, CelRuntime.Program>();
    collectExpressions(schema, expression -> programs.computeIfAbsent(expression, ApiServerAdmission::program));
    return Map.copyOf(programs);
  }

  private static void collectExpressions(JsonNode schema, java.util.function.Consumer<String> expressions) {
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      expressions.accept(rule.get("rule").asText());
      if (rule.has("messageExpression")) {
        expressions.accept(rule.get("messageExpression").asText());
      }
    }
    schema.path("properties").forEach(property -> collectExpressions(property, expressions));
    for (String nested : List.of("additionalProperties", "items")) {
      if (schema.path(nested).isObject()) {
        collectExpressions(schema.get(nested), expressions);
      }
    }
  }

  private static CelRuntime.Program program(String expression) {
    try {
      return CEL.createProgram(CEL.compile(expression).getAst());
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalStateException("The CRD carries a CEL rule that does not compile: " + expression, e);
    }
  }

  /** JSON to the values CEL expects: maps, lists, Long, Double, String, Boolean. */
  private static Object toCel(JsonNode node) {
    if (node.isObject()) {
      var map = new LinkedHashMap<String, Object>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), toCel(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      var list = new ArrayList<Object>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    if (node.isBoolean()) {
      return node.asBoolean();
    }
    return node.asText();
  }

  /** Parses YAML or JSON into a tree, for callers that hold a manifest as text. */
  public static JsonNode parse(String yamlOrJson) {
    try {
      return new YAMLMapper().readTree(yamlOrJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
