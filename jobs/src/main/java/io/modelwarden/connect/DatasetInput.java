package io.modelwarden.connect;

import io.modelwarden.config.ConfigException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The dataset a scan reads: a CSV or Parquet file, or a folder of them (one format per folder, every
 * file with the same columns). Discovery and schema reading happen in the client, before the job is
 * built, so that a missing input, a missing label column or an unreadable file stops the scan with one
 * clear line ({@link ConfigException}, exit code 2) instead of a failed job.
 */
public final class DatasetInput {
    /** CSV rows sniffed to decide which columns are numeric. */
    static final int SNIFF_ROWS = 1000;
    /** Share of a column's sniffed non-empty cells that must parse as numbers (or dates) for it to be numeric (temporal). */
    static final double NUMERIC_SHARE = 0.9;
    /**
     * A date, a time, or both (ISO 8601 as pandas, Spark and databases write them: 2026-11-30,
     * 2026-11-30 09:19:57.123+00:00, 2026-11-30T09:19:57Z, 09:19): a string column of these is no
     * category, since every new batch brings new values.
     */
    static final java.util.regex.Pattern TEMPORAL = java.util.regex.Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?(Z|[+-]\\d{2}(:?\\d{2})?)?|\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?");

    public record InputFile(String path, String name, long bytes) implements java.io.Serializable {}

    /** A Parquet row group as the file's footer describes it: where it starts, its compressed size, its rows. */
    public record RowGroup(long offset, long bytes, long rows) implements java.io.Serializable {}

    private final String root;
    private final InputFormat format;
    private final List<InputFile> files;
    private final InputSchema schema;
    private final CsvDialect dialect;
    /** Parquet: every file's row groups, in file order; empty lists for CSV. */
    private final List<List<RowGroup>> rowGroups;

    private DatasetInput(String root, InputFormat format, List<InputFile> files, InputSchema schema, CsvDialect dialect, List<List<RowGroup>> rowGroups) {
        this.root = root;
        this.format = format;
        this.files = List.copyOf(files);
        this.schema = schema;
        this.dialect = dialect;
        this.rowGroups = List.copyOf(rowGroups);
    }

    /**
     * Opens the input and resolves its schema.
     *
     * @param labelColumn required label column name (empty: the dataset has no label)
     * @param idColumn id column name, or empty for positional ids
     */
    public static DatasetInput open(String input, String labelColumn, String idColumn, List<String> ignored, CsvDialect dialect) {
        List<InputFile> files = discover(input);
        InputFormat format = InputFormat.ofName(files.get(0).name());
        for (InputFile f : files) {
            if (InputFormat.ofName(f.name()) != format) {
                throw new ConfigException("--input: " + input + " mixes CSV and Parquet files; scan one format at a time");
            }
        }
        List<FileLayout> layouts = layouts(files, format, dialect);
        InputSchema schema = null;
        List<List<RowGroup>> groups = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            InputFile f = files.get(i);
            FileLayout layout = layouts.get(i);
            groups.add(layout.rowGroups());
            InputSchema s = assignRoles(layout.columns(), labelColumn, idColumn, ignored, f);
            if (schema == null) {
                schema = s;
            } else if (!schema.columnNames().equals(s.columnNames())) {
                throw new ConfigException("--input: " + f.path() + " has columns " + s.columnNames() + " but " + files.get(0).name() + " has " + schema.columnNames());
            }
        }
        if (schema.featureCount() == 0) {
            throw new ConfigException("--input: " + input + " has no numeric feature columns (columns: " + schema.columnNames() + ")");
        }
        return new DatasetInput(input, format, files, schema, dialect, groups);
    }

    private record Column(String name, InputSchema.Type type) {}

    /** What the client reads of a file before the first pass: its columns and, for Parquet, its row groups' sizes. */
    private record FileLayout(List<Column> columns, List<RowGroup> rowGroups) {}

    /** Threads that read the files' headers and footers: one round trip each, which on an object store is most of the time. */
    static final int LAYOUT_THREADS = 8;

    /**
     * Every file's layout, in file order. A folder of many part files is read on a few threads (one
     * footer or header per file); the first file's error, in file order, is the one reported.
     */
    private static List<FileLayout> layouts(List<InputFile> files, InputFormat format, CsvDialect dialect) {
        try {
            return ParallelIo.map(files, LAYOUT_THREADS, "warden-input-layout", f -> format == InputFormat.CSV
                    ? new FileLayout(csvColumns(f, dialect), List.of())
                    : parquetLayout(f));
        } catch (IOException e) { // the reads turn their own failures into ConfigExceptions that name the file
            throw new ConfigException("--input: cannot read the input's files: " + e.getMessage());
        }
    }

    private static InputSchema assignRoles(List<Column> raw, String label, String id, List<String> ignored, InputFile f) {
        Set<String> names = new HashSet<>();
        for (Column c : raw) {
            if (!names.add(c.name())) {
                throw new ConfigException("--input: " + f.path() + " has the column '" + c.name() + "' twice");
            }
        }
        if (!label.isEmpty() && !names.contains(label)) {
            throw new ConfigException("--label-column: no column '" + label + "' in " + f.path() + " (columns: " + names(raw) + ")");
        }
        if (!id.isEmpty() && !names.contains(id)) {
            throw new ConfigException("--id-column: no column '" + id + "' in " + f.path() + " (columns: " + names(raw) + ")");
        }
        List<InputSchema.Column> cols = new ArrayList<>();
        for (Column c : raw) {
            InputSchema.Role role;
            if (c.name().equals(label)) {
                role = InputSchema.Role.LABEL;
            } else if (c.name().equals(id)) {
                role = InputSchema.Role.ID;
            } else if (ignored.contains(c.name()) || (c.type() != InputSchema.Type.NUMERIC && c.type() != InputSchema.Type.STRING)) {
                role = InputSchema.Role.IGNORED;
            } else {
                role = c.type() == InputSchema.Type.NUMERIC ? InputSchema.Role.FEATURE : InputSchema.Role.CATEGORY;
            }
            cols.add(new InputSchema.Column(c.name(), c.type(), role));
        }
        return new InputSchema(cols);
    }

    private static List<String> names(List<Column> raw) {
        List<String> out = new ArrayList<>();
        for (Column c : raw) {
            out.add(c.name());
        }
        return out;
    }

    private static List<InputFile> discover(String input) {
        Path path = new Path(input);
        try {
            FileSystem fs = path.getFileSystem();
            if (!fs.exists(path)) {
                throw new ConfigException("--input: no such file or folder: " + input);
            }
            FileStatus status = fs.getFileStatus(path);
            List<InputFile> files = new ArrayList<>();
            if (status.isDir()) {
                FileStatus[] children = fs.listStatus(path);
                Arrays.sort(children, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
                for (FileStatus c : children) {
                    String name = c.getPath().getName();
                    if (!c.isDir() && !name.startsWith(".") && !name.startsWith("_") && InputFormat.ofName(name) != null) {
                        files.add(new InputFile(c.getPath().toUri().toString(), name, c.getLen()));
                    }
                }
                if (files.isEmpty()) {
                    throw new ConfigException("--input: the folder " + input + " holds no " + InputFormat.NAMES + " files");
                }
            } else {
                if (InputFormat.ofName(path.getName()) == null) {
                    throw new ConfigException("--input: " + input + " is not a " + InputFormat.NAMES + " file");
                }
                files.add(new InputFile(status.getPath().toUri().toString(), path.getName(), status.getLen()));
            }
            return files;
        } catch (IOException e) {
            throw new ConfigException("--input: cannot read " + input + ": " + e.getMessage());
        }
    }

    private static List<Column> csvColumns(InputFile f, CsvDialect dialect) {
        try (CsvRecords.Reader in = CsvRecords.Reader.open(new Path(f.path()), 0, dialect)) {
            String header = in.next() ? in.text() : null;
            if (header == null || header.isBlank()) {
                throw new ConfigException("--input: " + f.path() + " is empty: a CSV file needs a header row");
            }
            if (header.startsWith("\uFEFF")) {
                header = header.substring(1);
            }
            CsvSplitter splitter = new CsvSplitter(dialect.delimiter());
            String[] names = new String[4096];
            int n = splitter.split(header, names);
            if (n < 0 || n > names.length) {
                throw new ConfigException("--input: cannot parse the header row of " + f.path());
            }
            int[] numbers = new int[n];
            int[] dates = new int[n];
            int[] seen = new int[n];
            String[] cells = new String[n];
            int rows = 0;
            while (rows < SNIFF_ROWS && in.next()) {
                String line = in.text();
                if (line.isEmpty()) {
                    continue;
                }
                rows++;
                if (splitter.split(line, cells) != n) {
                    continue; // a malformed row: counted and rejected by the job
                }
                for (int i = 0; i < n; i++) {
                    String cell = cells[i].trim();
                    if (cell.isEmpty()) {
                        continue;
                    }
                    seen[i]++;
                    if (RowParser.isNumber(cell)) {
                        numbers[i]++;
                    } else if (TEMPORAL.matcher(cell).matches()) {
                        dates[i]++;
                    }
                }
            }
            List<Column> cols = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Mostly numbers: a numeric column whose odd bad cell is a rejected row, not a demotion.
                boolean numeric = seen[i] == 0 ? rows == 0 : numbers[i] >= NUMERIC_SHARE * seen[i];
                boolean temporal = !numeric && dates[i] >= NUMERIC_SHARE * seen[i];
                InputSchema.Type t = numeric ? InputSchema.Type.NUMERIC : temporal ? InputSchema.Type.TEMPORAL : InputSchema.Type.STRING;
                cols.add(new Column(names[i].trim(), t));
            }
            return cols;
        } catch (IOException e) {
            throw new ConfigException("--input: cannot read " + f.path() + ": " + e.getMessage());
        }
    }

    private static FileLayout parquetLayout(InputFile f) {
        MessageType type;
        List<RowGroup> groups = new ArrayList<>();
        Set<String> temporal = new HashSet<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new FlinkInputFile(new Path(f.path())))) {
            type = reader.getFooter().getFileMetaData().getSchema();
            for (org.apache.parquet.hadoop.metadata.BlockMetaData b : reader.getFooter().getBlocks()) {
                groups.add(new RowGroup(b.getStartingPos(), b.getCompressedSize(), b.getRowCount()));
            }
            if (!reader.getFooter().getBlocks().isEmpty()) {
                temporal = temporalColumns(reader.getFooter().getBlocks().get(0));
            }
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("--input: " + f.path() + " is not a readable Parquet file: " + firstLine(e.getMessage()));
        }
        List<Column> cols = new ArrayList<>();
        for (Type field : type.getFields()) {
            InputSchema.Type t = InputSchema.Type.OTHER;
            // A repeated field (a list per row) is no single value: neither a feature nor a label or id.
            if (field.isPrimitive() && !field.isRepetition(Type.Repetition.REPEATED)) {
                PrimitiveType.PrimitiveTypeName p = field.asPrimitiveType().getPrimitiveTypeName();
                t = switch (p) {
                    case INT32, INT64, FLOAT, DOUBLE, BOOLEAN -> InputSchema.Type.NUMERIC;
                    // Decimals as bytes (pyarrow always, Spark above 18 digits) are numbers too.
                    case BINARY, FIXED_LEN_BYTE_ARRAY -> ParquetValues.decimalScale(field.asPrimitiveType()) >= 0 ? InputSchema.Type.NUMERIC
                            : temporal.contains(field.getName()) ? InputSchema.Type.TEMPORAL : InputSchema.Type.STRING;
                    default -> InputSchema.Type.OTHER;
                };
            }
            cols.add(new Column(field.getName(), t));
        }
        return new FileLayout(cols, groups);
    }

    /**
     * Text columns whose smallest and largest value in the first row group (the footer's statistics,
     * as parquet-mr, pyarrow and Spark write them) both read as ISO 8601 dates or times: dates kept as
     * text, which CSV sniffing would find {@link InputSchema.Type#TEMPORAL} too.
     */
    private static Set<String> temporalColumns(org.apache.parquet.hadoop.metadata.BlockMetaData group) {
        Set<String> out = new HashSet<>();
        for (org.apache.parquet.hadoop.metadata.ColumnChunkMetaData c : group.getColumns()) {
            org.apache.parquet.column.statistics.Statistics<?> st = c.getStatistics();
            if (c.getPath().size() == 1 && st != null && st.hasNonNullValue() && st.genericGetMin() instanceof org.apache.parquet.io.api.Binary min
                    && st.genericGetMax() instanceof org.apache.parquet.io.api.Binary max
                    && TEMPORAL.matcher(min.toStringUsingUTF8()).matches() && TEMPORAL.matcher(max.toStringUsingUTF8()).matches()) {
                out.add(c.getPath().toDotString());
            }
        }
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public InputFormat format() {
        return format;
    }

    public List<InputFile> files() {
        return files;
    }

    public InputSchema schema() {
        return schema;
    }

    public String root() {
        return root;
    }

    public char delimiter() {
        return dialect.delimiter();
    }

    public CsvDialect dialect() {
        return dialect;
    }

    /** Whether some file is compressed (read whole by one reader). */
    public boolean hasCompressedFiles() {
        for (InputFile f : files) {
            if (InputFormat.isCompressed(f.name())) {
                return true;
            }
        }
        return false;
    }

    /** Parquet: every file's row groups, in file order, as the client read them from the footers; empty lists for CSV. */
    public List<List<RowGroup>> rowGroups() {
        return rowGroups;
    }

    /** Parquet: the splits both passes read at this parallelism ({@link ParquetSplits#of(List, List, int)}); null for CSV. */
    public ParquetSplits parquetSplits(int parallelism) {
        if (format != InputFormat.PARQUET) {
            return null;
        }
        return ParquetSplits.of(files, rowGroups, parallelism);
    }

    /**
     * The byte-range splits of the CSV files (null for Parquet, which is read by row group):
     * splits of splitBytes, or, when splitBytes is 0, of the total size / (4 x parallelism) within
     * [1 MiB, 64 MiB]. Computed once and shared by both passes, so they read the same splits.
     */
    public CsvSplits csvSplits(long splitBytes, int parallelism) {
        if (format != InputFormat.CSV) {
            return null;
        }
        long bytes = splitBytes;
        if (bytes <= 0) {
            long total = 0;
            for (InputFile f : files) {
                total += InputFormat.isCompressed(f.name()) ? 0 : f.bytes(); // a compressed file is one range anyway
            }
            bytes = Math.min(64L << 20, Math.max(1L << 20, total / (4L * Math.max(1, parallelism))));
        }
        try {
            return CsvSplits.compute(files, bytes, Math.max(1, Math.min(parallelism, Runtime.getRuntime().availableProcessors())), dialect);
        } catch (IOException e) {
            throw new ConfigException("--input: cannot read " + root + ": " + e.getMessage());
        }
    }

    /** Display name of a file in row ids and rejected records. */
    public String fileName(int fileIndex) {
        return files.get(fileIndex).name();
    }

    /**
     * The records of every file, with file index and row position, as one stream. Parquet files are
     * read by runs of row groups or slices of one ({@link ParquetSplits}), CSV files by the byte-range splits of {@code
     * csvSplits} (see {@link #csvSplits}); either way in parallel.
     */
    public DataStream<RawRecord> attach(StreamExecutionEnvironment env, String name, CsvSplits csvSplits) {
        Path[] paths = new Path[files.size()];
        for (int i = 0; i < files.size(); i++) {
            paths[i] = new Path(files.get(i).path());
        }
        if (format == InputFormat.CSV) {
            FileSource<RawRecord> source = FileSource.forBulkFileFormat(new CsvSplitFormat(csvSplits), paths)
                    .setFileEnumerator(csvSplits.enumerator())
                    .build();
            return env.fromSource(source, WatermarkStrategy.noWatermarks(), name).uid(name).name(name);
        }
        if (format == InputFormat.PARQUET) {
            // Runs of row groups, or slices of large ones, that even out the tasks' work (ParquetSplits),
            // each read column by column.
            ParquetSplits groups = parquetSplits(env.getParallelism());
            String labelName = schema.labelIndex() < 0 ? null : schema.columns().get(schema.labelIndex()).name();
            String idName = schema.idIndex() < 0 ? null : schema.columns().get(schema.idIndex()).name();
            FileSource<RawRecord> source = FileSource.forBulkFileFormat(new ParquetSplitFormat(groups, schema.featureNames(), labelName, idName, schema.categoryNames()), paths)
                    .setFileEnumerator(groups.enumerator())
                    .setSplitAssigner(org.apache.flink.connector.file.src.assigners.SimpleSplitAssigner::new) // the last split first: the largest
                    .build();
            return env.fromSource(source, WatermarkStrategy.noWatermarks(), name).uid(name).name(name);
        }
        throw new IllegalStateException("unknown input format " + format);
    }
}
