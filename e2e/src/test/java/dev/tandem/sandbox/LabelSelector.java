package dev.tandem.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** A Kubernetes label selector string: {@code a=b, a!=b, a in (x,y), a notin (x), a, !a}. */
record LabelSelector(List<Predicate<Map<String, String>>> requirements) {

  static LabelSelector parse(String selector) {
    var requirements = new ArrayList<Predicate<Map<String, String>>>();
    for (String term : terms(selector)) {
      requirements.add(requirement(term.trim()));
    }
    return new LabelSelector(requirements);
  }

  boolean matches(Map<String, String> labels) {
    return requirements.stream().allMatch(requirement -> requirement.test(labels));
  }

  /** Splits on the commas that are not inside a value set. */
  private static List<String> terms(String selector) {
    var terms = new ArrayList<String>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
      if (c == ',' && depth == 0) {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    return terms.stream().filter(term -> !term.isBlank()).toList();
  }

  private static Predicate<Map<String, String>> requirement(String term) {
    var setBased = Pattern.compile("([^\\s!=]+)\\s+(in|notin)\\s*\\(([^)]*)\\)").matcher(term);
    if (setBased.matches()) {
      String key = setBased.group(1);
      var values = Set.of(setBased.group(3).trim().split("\\s*,\\s*"));
      return "in".equals(setBased.group(2))
          ? labels -> labels.containsKey(key) && values.contains(labels.get(key))
          : labels -> !labels.containsKey(key) || !values.contains(labels.get(key));
    }
    if (term.contains("!=")) {
      String[] parts = term.split("!=", 2);
      return labels -> !parts[1].trim().equals(labels.get(parts[0].trim()));
    }
    if (term.contains("=")) {
      String[] parts = term.split("==?", 2);
      return labels -> parts[1].trim().equals(labels.get(parts[0].trim()));
    }
    if (term.startsWith("!")) {
      return labels -> !labels.containsKey(term.substring(1).trim());
    }
    return labels -> labels.containsKey(term);
  }
}
