package io.modelwarden.connect;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;

/**
 * How a Parquet column's stored values become the numbers and text a scan reads, by its logical type:
 * a DECIMAL is its unscaled integer (INT32, INT64, or big-endian two's-complement bytes) over 10^scale,
 * an unsigned INT32 or INT64 is read as unsigned. Any other annotation (dates, timestamps, times) keeps
 * the stored number.
 */
final class ParquetValues {
    private ParquetValues() {}

    /** The column's decimal scale, or -1 when it is no DECIMAL. */
    static int decimalScale(PrimitiveType type) {
        return type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation d ? d.getScale() : -1;
    }

    /** Whether the column is an unsigned integer (UINT_32, UINT_64). */
    static boolean unsigned(PrimitiveType type) {
        return type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i && !i.isSigned();
    }

    /** An INT32 or INT64 value as a double: unsigned when the column is, over 10^scale when it is a decimal. */
    static double integer(long stored, boolean unsigned, int scale) {
        double v = unsigned && stored < 0 ? unsignedLong(stored) : stored;
        if (scale <= 0) {
            return v;
        }
        // An unscaled value up to 2^53 and a power of ten up to 10^22 are exact doubles, so the quotient is
        // the double nearest the decimal: what parsing its text gives. (INT64 decimals have at most 18 digits.)
        return scale < POWERS.length ? v / POWERS[scale] : BigDecimal.valueOf(stored, scale).doubleValue();
    }

    /** A decimal stored as bytes (big-endian two's complement) as the double nearest its value. */
    static double decimal(Binary bytes, int scale) {
        return new BigDecimal(new BigInteger(bytes.getBytes()), scale).doubleValue();
    }

    /** A decimal or unsigned integer stored as INT32 or INT64, as text (a label or an id). */
    static String integerText(long stored, boolean unsigned, int scale) {
        if (scale >= 0) {
            return BigDecimal.valueOf(stored, scale).toPlainString();
        }
        return unsigned ? Long.toUnsignedString(stored) : Long.toString(stored);
    }

    /** A decimal stored as bytes, as text. */
    static String decimalText(Binary bytes, int scale) {
        return new BigDecimal(new BigInteger(bytes.getBytes()), scale).toPlainString();
    }

    private static double unsignedLong(long v) {
        return (double) (v >>> 1) * 2.0 + (v & 1);
    }

    private static final double[] POWERS = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POWERS.length; i++) {
            POWERS[i] = p;
            p *= 10;
        }
    }
}
