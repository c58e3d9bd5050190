package io.netstack.benchmarks.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A grouped bar chart, frames/s by case (mode and frame size) and implementation, with the min..max range of the
 * samples as a whisker. Java2D in headless mode: no dependency beyond the JDK.
 */
final class Chart {
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 650;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 60;
    private static final int BOTTOM = 110;
    private static final Color[] COLORS = {
            new Color(0x4c72b0), new Color(0x8172b3), new Color(0x937860), new Color(0xdd8452), new Color(0xc44e52),
            new Color(0x55a868)};

    private Chart() {
    }

    static void write(List<Report.Row> rows, Path png, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Set<String> cases = new LinkedHashSet<>();
        Set<String> impls = new java.util.TreeSet<>(java.util.Comparator.comparingInt(Report::order));
        double top = 0;
        for (Report.Row r : rows) {
            cases.add(r.mode() + " " + r.size());
            impls.add(r.impl());
            top = Math.max(top, r.fpsMax());
        }
        top = niceCeiling(top);
        List<String> caseList = new ArrayList<>(cases);
        List<String> implList = new ArrayList<>(impls);

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString(title, LEFT, 32);

        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        int baseY = TOP + plotH;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int i = 0; i <= 5; i++) {
            double v = top * i / 5;
            int y = baseY - (int) (plotH * i / 5.0);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%,.0fk", v / 1000);
            g.drawString(label, LEFT - 10 - g.getFontMetrics().stringWidth(label), y + 5);
        }
        g.drawString("frames/s", 10, TOP - 10);

        int groupW = plotW / Math.max(1, caseList.size());
        int barW = Math.max(6, (int) (groupW * 0.8 / Math.max(1, implList.size())));
        for (int c = 0; c < caseList.size(); c++) {
            int groupX = LEFT + c * groupW + (groupW - barW * implList.size()) / 2;
            for (int i = 0; i < implList.size(); i++) {
                Report.Row row = find(rows, caseList.get(c), implList.get(i));
                if (row == null) {
                    continue;
                }
                int x = groupX + i * barW;
                int h = (int) (plotH * row.fps() / top);
                g.setColor(COLORS[Math.min(Report.order(row.impl()), COLORS.length - 1)]);
                g.fillRect(x + 1, baseY - h, barW - 2, h);
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.2f));
                int yMin = baseY - (int) (plotH * row.fpsMin() / top);
                int yMax = baseY - (int) (plotH * row.fpsMax() / top);
                int mid = x + barW / 2;
                g.drawLine(mid, yMin, mid, yMax);
                g.drawLine(mid - 3, yMin, mid + 3, yMin);
                g.drawLine(mid - 3, yMax, mid + 3, yMax);
                if (!Double.isNaN(row.ratio())) {
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                    String ratio = String.format(Locale.ROOT, "%.2fx", row.ratio());
                    g.drawString(ratio, mid - g.getFontMetrics().stringWidth(ratio) / 2, yMax - 4);
                }
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            String label = caseList.get(c) + " B";
            g.drawString(label, LEFT + c * groupW + (groupW - g.getFontMetrics().stringWidth(label)) / 2, baseY + 22);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, baseY, LEFT + plotW, baseY);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        int lx = LEFT;
        for (String impl : implList) {
            g.setColor(COLORS[Math.min(Report.order(impl), COLORS.length - 1)]);
            g.fillRect(lx, HEIGHT - 50, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(impl, lx + 22, HEIGHT - 37);
            lx += 40 + g.getFontMetrics().stringWidth(impl);
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("bars: median; whiskers: min..max of the measured windows; labels: ratio to c-blocking",
                LEFT, HEIGHT - 12);
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static Report.Row find(List<Report.Row> rows, String kase, String impl) {
        for (Report.Row r : rows) {
            if ((r.mode() + " " + r.size()).equals(kase) && r.impl().equals(impl)) {
                return r;
            }
        }
        return null;
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double step = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * step >= v) {
                return m * step;
            }
        }
        return 10 * step;
    }
}
