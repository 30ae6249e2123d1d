package dev.tandem.replication;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A MySQL GTID set, {@code uuid[:tag]:interval[:interval…][,…]}: for each source (a server_uuid,
 * or a server_uuid and a MySQL 8.4 tag) the closed intervals of transaction numbers it holds.
 */
public record UuidGtidSet(Map<String, List<Interval>> intervalsBySource) implements GtidSet {

  private static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final Pattern TAG = Pattern.compile("[a-z_][a-z0-9_]{0,31}");

  public static final UuidGtidSet EMPTY = new UuidGtidSet(Map.of());

  /** A closed interval of transaction numbers, {@code start <= end}. */
  public record Interval(long start, long end) {
    public Interval {
      if (start < 1 || end < start) {
        throw new IllegalArgumentException("bad GTID interval " + start + "-" + end);
      }
    }

    @Override
    public String toString() {
      return start == end ? Long.toString(start) : start + "-" + end;
    }
  }

  public UuidGtidSet {
    var normalized = new TreeMap<String, List<Interval>>();
    intervalsBySource.forEach(
        (source, intervals) -> {
          var merged = merge(intervals);
          if (!merged.isEmpty()) {
            normalized.put(source, merged);
          }
        });
    intervalsBySource = Collections.unmodifiableMap(normalized);
  }

  /** Parses what {@code @@gtid_executed} or {@code Retrieved_Gtid_Set} print (newlines allowed). */
  public static UuidGtidSet parse(String text) {
    var sources = new TreeMap<String, List<Interval>>();
    for (String member : text.replaceAll("\\s", "").split(",")) {
      if (member.isEmpty()) {
        continue;
      }
      String[] parts = member.toLowerCase(Locale.ROOT).split(":");
      if (!UUID.matcher(parts[0]).matches()) {
        throw new IllegalArgumentException("not a MySQL GTID set: '" + text + "' (bad server uuid '" + parts[0] + "')");
      }
      String source = parts[0];
      for (int i = 1; i < parts.length; i++) {
        String part = parts[i];
        if (TAG.matcher(part).matches()) {
          source = parts[0] + ":" + part;
          continue;
        }
        sources.computeIfAbsent(source, s -> new ArrayList<>()).add(parseInterval(part, text));
      }
    }
    return new UuidGtidSet(sources);
  }

  private static Interval parseInterval(String part, String text) {
    try {
      int dash = part.indexOf('-');
      return dash < 0
          ? new Interval(Long.parseLong(part), Long.parseLong(part))
          : new Interval(Long.parseLong(part.substring(0, dash)), Long.parseLong(part.substring(dash + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a MySQL GTID set: '" + text + "' (bad interval '" + part + "')");
    }
  }

  private static List<Interval> merge(List<Interval> intervals) {
    var sorted = new ArrayList<>(intervals);
    sorted.sort(Comparator.comparingLong(Interval::start));
    var merged = new ArrayList<Interval>();
    for (var next : sorted) {
      if (!merged.isEmpty() && merged.get(merged.size() - 1).end() >= next.start() - 1) {
        var last = merged.remove(merged.size() - 1);
        merged.add(new Interval(last.start(), Math.max(last.end(), next.end())));
      } else {
        merged.add(next);
      }
    }
    return List.copyOf(merged);
  }

  @Override
  public boolean contains(GtidSet other) {
    return same(other).subtract(this).isEmpty();
  }

  @Override
  public UuidGtidSet subtract(GtidSet other) {
    var others = same(other).intervalsBySource;
    var result = new TreeMap<String, List<Interval>>();
    intervalsBySource.forEach(
        (source, intervals) -> {
          List<Interval> remaining = intervals;
          for (var removed : others.getOrDefault(source, List.of())) {
            remaining = remove(remaining, removed);
          }
          result.put(source, remaining);
        });
    return new UuidGtidSet(result);
  }

  private static List<Interval> remove(List<Interval> intervals, Interval removed) {
    var result = new ArrayList<Interval>();
    for (var interval : intervals) {
      if (interval.end() < removed.start() || interval.start() > removed.end()) {
        result.add(interval);
        continue;
      }
      if (interval.start() < removed.start()) {
        result.add(new Interval(interval.start(), removed.start() - 1));
      }
      if (interval.end() > removed.end()) {
        result.add(new Interval(removed.end() + 1, interval.end()));
      }
    }
    return result;
  }

  @Override
  public UuidGtidSet union(GtidSet other) {
    var result = new TreeMap<String, List<Interval>>();
    intervalsBySource.forEach((source, intervals) -> result.put(source, new ArrayList<>(intervals)));
    same(other).intervalsBySource.forEach(
        (source, intervals) -> result.computeIfAbsent(source, s -> new ArrayList<>()).addAll(intervals));
    return new UuidGtidSet(result);
  }

  @Override
  public boolean isEmpty() {
    return intervalsBySource.isEmpty();
  }

  /** This set without the transactions of the server with this uuid (any tag). */
  public UuidGtidSet withoutServer(String serverUuid) {
    var kept = new TreeMap<>(intervalsBySource);
    kept.keySet().removeIf(source -> source.split(":")[0].equals(serverUuid.toLowerCase(Locale.ROOT)));
    return new UuidGtidSet(kept);
  }

  private static UuidGtidSet same(GtidSet other) {
    if (other instanceof UuidGtidSet uuidSet) {
      return uuidSet;
    }
    throw new IllegalArgumentException("cannot compare a MySQL GTID set with " + other.getClass().getSimpleName());
  }

  @Override
  public String toString() {
    var text = new StringBuilder();
    String previousUuid = null;
    for (var entry : intervalsBySource.entrySet()) {
      String[] source = entry.getKey().split(":");
      if (source[0].equals(previousUuid)) {
        text.append(':').append(source[1]);
      } else {
        if (previousUuid != null) {
          text.append(',');
        }
        text.append(entry.getKey());
        previousUuid = source[0];
      }
      entry.getValue().forEach(interval -> text.append(':').append(interval));
    }
    return text.toString();
  }
}
