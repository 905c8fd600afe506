package io.modelwarden.connect;

import com.fasterxml.jackson.core.io.NumberInput;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.TrainingRow;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Validates raw records into {@link TrainingRow}s. A malformed record (wrong column count, an
 * unparsable number, infinity, a missing label, and a missing feature value unless missing values are
 * kept) never fails the job: it goes with its reason to the {@link #REJECTED} side output and bumps
 * {@code rowsRejected}. Kept missing values ({@code scan.missing-values: impute}) are NaN in the row:
 * an empty cell, one of {@link #MISSING_TOKENS}, NaN, or a Parquet null. A category column's blank cell
 * or Parquet null is a missing value (null), never a rejection; any other text is a value, as written
 * (trimmed).
 */
public final class RowParser extends ProcessFunction<RawRecord, TrainingRow> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<RejectedRow> REJECTED = new OutputTag<>("rejected-rows", org.apache.flink.api.common.typeinfo.TypeInformation.of(RejectedRow.class));
    static final int RAW_LIMIT = 500;

    public static final String WRONG_COLUMN_COUNT = "wrong column count";
    public static final String UNPARSABLE_NUMBER = "unparsable number";
    public static final String MISSING_VALUE = "missing value";
    public static final String NON_FINITE = "non-finite number";
    public static final String MISSING_LABEL = "missing label";
    public static final String UNBALANCED_QUOTE = "unbalanced quote";

    private final int columns;
    private final int[] featureIndexes;
    /** Column positions of the category columns; their blank cells are missing values (null). */
    private final int[] categoryIndexes;
    private final int labelIndex;
    private final int idIndex;
    private final char delimiter;
    /** Missing feature values (empty, a missing-value token, NaN, null) become NaN instead of a rejection. */
    private final boolean keepMissing;
    /** File names, for row ids of multi-file inputs; null for a single file. */
    private final String[] fileNames;

    private transient CsvSplitter splitter;
    /** The current line's characters; its fields are the ranges [from[c], to[c]). */
    private transient char[] chars;
    private transient int[] from;
    private transient int[] to;
    private transient Counter rowsRead;
    private transient Counter rowsRejected;

    /** What pandas and R write for a missing value, besides an empty cell and NaN. */
    public static final java.util.Set<String> MISSING_TOKENS = java.util.Set.of("NA", "N/A", "nan", "null", "NULL", "None");

    public RowParser(InputSchema schema, char delimiter, boolean keepMissing, List<String> fileNames) {
        this.columns = schema.columns().size();
        this.featureIndexes = schema.featureIndexes();
        this.categoryIndexes = schema.categoryIndexes();
        this.labelIndex = schema.labelIndex();
        this.idIndex = schema.idIndex();
        this.delimiter = delimiter;
        this.keepMissing = keepMissing;
        this.fileNames = fileNames.size() > 1 ? fileNames.toArray(new String[0]) : null;
    }

    @Override
    public void open(OpenContext context) {
        splitter = new CsvSplitter(delimiter);
        chars = new char[1024];
        from = new int[columns];
        to = new int[columns];
        var group = WardenMetrics.group(getRuntimeContext().getMetricGroup());
        rowsRead = group.counter("rowsRead");
        rowsRejected = group.counter("rowsRejected");
    }

    @Override
    public void processElement(RawRecord r, Context ctx, Collector<TrainingRow> out) {
        rowsRead.inc();
        TrainingRow row = r.line != null && r.values == null ? fromCsv(r, ctx) : fromValues(r, ctx);
        if (row != null) {
            out.collect(row);
        }
    }

    private TrainingRow fromCsv(RawRecord r, Context ctx) {
        String line = r.line;
        if (line.isBlank()) {
            return reject(ctx, r, WRONG_COLUMN_COUNT, "empty line", line);
        }
        // Fields are parsed straight from the line's characters: no String per cell.
        int len = line.length();
        if (chars.length < len) {
            chars = new char[Math.max(len, chars.length * 2)];
        }
        line.getChars(0, len, chars, 0);
        int n = splitter.split(chars, len, from, to);
        if (n < 0) {
            return reject(ctx, r, UNBALANCED_QUOTE, "a quoted field is not closed (a record may span lines only inside quotes, up to scan.csv.max-record-bytes)", line);
        }
        if (n != columns) {
            return reject(ctx, r, WRONG_COLUMN_COUNT, "expected " + columns + " columns, found " + n, line);
        }
        double[] x = new double[featureIndexes.length];
        for (int k = 0; k < featureIndexes.length; k++) {
            int c = featureIndexes[k];
            int start = from[c];
            int cellLength = to[c] - start;
            if (isBlank(chars, start, to[c])) {
                if (keepMissing) {
                    x[k] = Double.NaN;
                    continue;
                }
                return reject(ctx, r, MISSING_VALUE, "column " + (c + 1) + " is empty", line);
            }
            double v;
            try {
                // FastDoubleParser: Double.parseDouble's result (same syntax, same rounding), 3-4x faster.
                v = NumberInput.parseDouble(chars, start, cellLength, true);
            } catch (NumberFormatException e) {
                if (keepMissing && MISSING_TOKENS.contains(cell(c).trim())) {
                    x[k] = Double.NaN;
                    continue;
                }
                return reject(ctx, r, UNPARSABLE_NUMBER, "column " + (c + 1) + ": '" + truncate(cell(c), 40) + "'", line);
            }
            if (Double.isInfinite(v) || (Double.isNaN(v) && !keepMissing)) {
                return reject(ctx, r, NON_FINITE, "column " + (c + 1) + ": " + cell(c).trim(), line);
            }
            x[k] = v;
        }
        String label = labelIndex < 0 ? null : cell(labelIndex).trim();
        if (label != null && label.isEmpty()) {
            return reject(ctx, r, MISSING_LABEL, "the label cell is empty", line);
        }
        String id = idIndex < 0 ? null : cell(idIndex).trim();
        String[] categories = null;
        if (categoryIndexes.length > 0) {
            categories = new String[categoryIndexes.length];
            for (int k = 0; k < categories.length; k++) {
                String v = cell(categoryIndexes[k]).trim();
                categories[k] = v.isEmpty() ? null : v;
            }
        }
        return new TrainingRow(rowId(id, r), r.rowIndex, r.fileIndex, x, label, categories);
    }

    /** The text of field c of the current line. */
    private String cell(int c) {
        return new String(chars, from[c], to[c] - from[c]);
    }

    /** As {@link String#isBlank()} on s[from, to): empty or white space only. */
    private static boolean isBlank(char[] s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Character.isWhitespace(s[i])) {
                return false;
            }
        }
        return true;
    }

    private TrainingRow fromValues(RawRecord r, Context ctx) {
        if (r.error != null && !(keepMissing && r.error.equals(MISSING_VALUE))) {
            return reject(ctx, r, r.error, r.errorDetail, describe(r)); // a kept missing value is NaN in r.values
        }
        for (int k = 0; k < r.values.length; k++) {
            double v = r.values[k];
            if (Double.isInfinite(v) || (Double.isNaN(v) && !keepMissing)) {
                // A null is a missing value (the reader's error, above); this is a stored NaN or infinity, as CSV's NaN or Infinity.
                return reject(ctx, r, NON_FINITE, "feature " + k + ": " + v, describe(r));
            }
        }
        if (labelIndex >= 0 && (r.label == null || r.label.isEmpty())) {
            return reject(ctx, r, MISSING_LABEL, "the label is null", describe(r));
        }
        return new TrainingRow(rowId(r.id, r), r.rowIndex, r.fileIndex, r.values, r.label, r.categories);
    }

    private String rowId(String id, RawRecord r) {
        if (id != null && !id.isEmpty()) {
            return id;
        }
        String position = Long.toString(r.rowIndex);
        return fileNames == null ? position : fileNames[r.fileIndex] + ":" + position;
    }

    private TrainingRow reject(Context ctx, RawRecord r, String reason, String detail, String raw) {
        rowsRejected.inc();
        ctx.output(REJECTED, new RejectedRow(r.fileIndex, r.rowIndex, reason, detail, truncate(raw, RAW_LIMIT)));
        return null;
    }

    private static String describe(RawRecord r) {
        return "values=" + java.util.Arrays.toString(r.values) + " label=" + r.label + " id=" + r.id;
    }

    private static String truncate(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, max) + "...";
    }

    /** True when the cell reads as a number (Java's syntax, which includes NaN and Infinity). */
    public static boolean isNumber(String cell) {
        try {
            Double.parseDouble(cell);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
