package io.modelwarden.synth;

import io.modelwarden.model.TrainingRow;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/** Writes {@link PoisonedDataset}s as CSV and Parquet files (streamed row by row). */
public final class DatasetFiles {
    private DatasetFiles() {}

    /** Columns: id, f0..f(d-1), label. */
    public static Path writeCsv(PoisonedDataset data, Path file) throws IOException {
        return writeCsv(data, file, -1);
    }

    /** With {@code decimals >= 0}, values are rounded to that many decimals (smaller files). */
    public static Path writeCsv(PoisonedDataset data, Path file, int decimals) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder("id");
            for (String n : data.featureNames()) {
                sb.append(',').append(n);
            }
            w.write(sb.append(",label\n").toString());
            for (long i = 0; i < data.rows(); i++) {
                TrainingRow r = data.row(i);
                sb.setLength(0);
                sb.append(r.rowId);
                for (double v : r.features) {
                    sb.append(',');
                    if (decimals >= 0) {
                        sb.append(java.math.BigDecimal.valueOf(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString());
                    } else {
                        sb.append(v);
                    }
                }
                sb.append(',').append(r.label).append('\n');
                w.write(sb.toString());
            }
        }
        return file;
    }

    public static Schema avroSchema(PoisonedDataset data) {
        SchemaBuilder.FieldAssembler<Schema> f = SchemaBuilder.record("row").namespace("io.modelwarden").fields().requiredString("id");
        for (String n : data.featureNames()) {
            f = f.requiredDouble(n);
        }
        return f.requiredString("label").endRecord();
    }

    /** The same columns as {@link #writeCsv}, as a Snappy-compressed Parquet file. */
    public static Path writeParquet(PoisonedDataset data, Path file) throws IOException {
        return writeParquet(data, file, 0, data.rows());
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as {@link #writeParquet(PoisonedDataset, Path)}. */
    public static Path writeParquet(PoisonedDataset data, Path file, long from, long to) throws IOException {
        return writeParquet(data, file, from, to, ParquetWriter.DEFAULT_BLOCK_SIZE);
    }

    /** As {@link #writeParquet(PoisonedDataset, Path, long, long)} with row groups of about {@code rowGroupBytes}. */
    public static Path writeParquet(PoisonedDataset data, Path file, long from, long to, long rowGroupBytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        Schema schema = avroSchema(data);
        String[] names = data.featureNames();
        try (ParquetWriter<GenericRecord> w = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(schema)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(rowGroupBytes)
                .build()) {
            for (long i = from; i < to; i++) {
                TrainingRow r = data.row(i);
                GenericRecord rec = new GenericData.Record(schema);
                rec.put("id", r.rowId);
                for (int j = 0; j < names.length; j++) {
                    rec.put(names[j], r.features[j]);
                }
                rec.put("label", r.label);
                w.write(rec);
            }
        }
        return file;
    }

    /**
     * Writes a poisoned dataset: {@code DatasetFiles OUT.csv|OUT.parquet ROWS FEATURES SEED [DECIMALS |
     * ROW_GROUP_MIB]} with 1% outliers, 5% label flips, 1% duplicates and a 2% backdoor trigger. The sample dataset in
     * the repository (samples/training.csv) is made with this.
     */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int rows = Integer.parseInt(args[1]);
        int features = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        PoisonedDataset data = PoisonedDataset.poisoned(seed, rows, features, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02));
        if (out.toString().endsWith(".parquet")) {
            long rowGroup = args.length > 4 ? Long.parseLong(args[4]) << 20 : ParquetWriter.DEFAULT_BLOCK_SIZE;
            writeParquet(data, out, 0, rows, rowGroup);
        } else {
            writeCsv(data, out, args.length > 4 ? Integer.parseInt(args[4]) : -1);
        }
        System.out.println("wrote " + out + " (" + rows + " rows, " + features + " features, seed " + seed + ")");
    }
}
