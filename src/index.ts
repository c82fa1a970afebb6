/** The shared helper module: everything a notebook imports comes from here (`import ... from "ko-sagemaker"`). */
export * from "./data";
export * from "./model";
export * from "./notebook";
export * from "./sagemaker";
