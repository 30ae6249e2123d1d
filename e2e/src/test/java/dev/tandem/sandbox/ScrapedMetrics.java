package dev.tandem.sandbox;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of the series the operator served in this JVM's scenarios (each scraped at its end),
 * and the exporter sidecars where a scenario scraped them: what the chart's dashboard and alert
 * rules may query and be sure exists.
 */
final class ScrapedMetrics {

  /** A Tandem or mysqld_exporter metric's name in a page or a query. */
  static final Pattern NAME = Pattern.compile("\\b(?:tandem|mysql)_[a-z_]+\\b");
  private static final Set<String> SCRAPED = new ConcurrentSkipListSet<>();

  private ScrapedMetrics() {}

  /** Records the series of one metrics page; comment lines (HELP, TYPE) do not count. */
  static void record(String page) {
    page.lines().filter(line -> !line.startsWith("#")).forEach(line -> names(line.split("[{ ]", 2)[0]).forEach(SCRAPED::add));
  }

  static Set<String> scraped() {
    return Set.copyOf(SCRAPED);
  }

  static Set<String> names(String text) {
    var names = new TreeSet<String>();
    Matcher matcher = NAME.matcher(text);
    while (matcher.find()) {
      names.add(matcher.group());
    }
    return names;
  }
}
